//! Server secrets: random, shown once, stored as a SHA-256 hash. They are long random
//! strings, not passwords, so a fast hash is enough to keep a database leak from
//! revealing them; argon2 is for what people choose.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new secret: 32 random bytes as 64 lowercase hex characters.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Compares in constant time, so the answer's timing says nothing about the hash.
pub fn matches_hash(secret: &str, stored_hash: &str) -> bool {
    constant_time_eq(hash(secret).as_bytes(), stored_hash.as_bytes())
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_its_hash_only() {
        let secret = generate();
        assert_eq!(secret.len(), 64);
        let stored = hash(&secret);
        assert!(matches_hash(&secret, &stored));
        assert!(!matches_hash(&generate(), &stored));
        assert!(!matches_hash("", &stored));
    }
}
