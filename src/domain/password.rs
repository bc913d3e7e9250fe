//! Passwords: argon2id hashes, a policy on length, and verification that takes as
//! long for an unknown user as for a wrong password, so timing reveals no accounts.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};

pub const MIN_LENGTH: usize = 10;
/// argon2 reads the whole input; a cap keeps one request from buying minutes of CPU.
pub const MAX_LENGTH: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("the password must have at most {MAX_LENGTH} characters")]
    TooLong,
}

pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Err(PasswordError::TooShort)
    } else if length > MAX_LENGTH {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password and salt")
        .to_string()
}

/// A hash of a password nobody knows, verified against when the email is unknown.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| hash(&crate::domain::secret::generate()));

/// Whether `password` matches `stored` (a PHC string). With no stored hash the work
/// is done anyway, against a decoy, and the answer is no.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let candidate = stored.unwrap_or(DECOY_HASH.as_str());
    let matches = PasswordHash::new(candidate).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse batterY", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("anything", Some("not a hash")));
    }

    #[test]
    fn the_policy_bounds_the_length() {
        assert_eq!(check_policy("short"), Err(PasswordError::TooShort));
        assert_eq!(check_policy(&"x".repeat(2000)), Err(PasswordError::TooLong));
        assert!(check_policy("long enough!").is_ok());
    }
}
