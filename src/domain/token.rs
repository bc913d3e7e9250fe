//! The two HS256 tokens of the PeerMetrics protocol, minted and checked exactly as
//! PyJWT 1.7 did, so tokens from a PeerMetrics server keep working with shared secrets.
//!
//! * init token (`/v1/initialize`): `{"p": participant, "c": conference, "t": seconds}`
//! * session token (`/v1/sessions`): `{"s": session, "t": seconds}`
//!
//! Neither carries `exp`: a token is valid for 24 hours after `t`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("invalid token")]
    Invalid,
    #[error("expired token")]
    Expired,
}

pub const TOKEN_LIFESPAN_SECONDS: f64 = 86_400.0;

/// PyJWT writes the header with these keys in this order.
const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InitClaims {
    #[serde(rename = "p")]
    pub participant: Uuid,
    #[serde(rename = "c")]
    pub conference: Uuid,
    #[serde(rename = "t")]
    pub issued_at: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionClaims {
    #[serde(rename = "s")]
    pub session: Uuid,
    #[serde(rename = "t")]
    pub issued_at: f64,
}

#[derive(Clone)]
pub struct TokenKeys {
    init_secret: Vec<u8>,
    session_secret: Vec<u8>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys { .. }")
    }
}

impl TokenKeys {
    pub fn new(init_secret: &str, session_secret: &str) -> Self {
        Self {
            init_secret: init_secret.as_bytes().to_vec(),
            session_secret: session_secret.as_bytes().to_vec(),
        }
    }

    pub fn mint_init(&self, claims: &InitClaims) -> String {
        mint(&self.init_secret, claims)
    }

    pub fn mint_session(&self, claims: &SessionClaims) -> String {
        mint(&self.session_secret, claims)
    }

    pub fn verify_init(&self, token: &str, now_seconds: f64) -> Result<InitClaims, TokenError> {
        let claims: InitClaims = verify(&self.init_secret, token)?;
        check_fresh(claims.issued_at, now_seconds)?;
        Ok(claims)
    }

    pub fn verify_session(
        &self,
        token: &str,
        now_seconds: f64,
    ) -> Result<SessionClaims, TokenError> {
        let claims: SessionClaims = verify(&self.session_secret, token)?;
        check_fresh(claims.issued_at, now_seconds)?;
        Ok(claims)
    }
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("hmac accepts keys of any length")
}

fn mint<T: Serialize>(secret: &[u8], claims: &T) -> String {
    let payload = serde_json::to_vec(claims).expect("claims serialise");
    let mut token = URL_SAFE_NO_PAD.encode(HEADER);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let mut signer = mac(secret);
    signer.update(token.as_bytes());
    let signature = signer.finalize().into_bytes();
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

#[derive(Deserialize)]
struct Header<'a> {
    alg: &'a str,
}

fn verify<T: for<'de> Deserialize<'de>>(secret: &[u8], token: &str) -> Result<T, TokenError> {
    let invalid = || TokenError::Invalid;
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let header_json = URL_SAFE_NO_PAD.decode(header_part).map_err(|_| invalid())?;
    let header: Header = serde_json::from_slice(&header_json).map_err(|_| invalid())?;
    // Only HS256 is ever minted; anything else (including "none") is a forgery.
    if header.alg != "HS256" {
        return Err(invalid());
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid())?;
    let mut checker = mac(secret);
    let signing_input = &token[..header_part.len() + 1 + payload.len()];
    checker.update(signing_input.as_bytes());
    checker.verify_slice(&signature).map_err(|_| invalid())?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
    serde_json::from_slice(&payload).map_err(|_| invalid())
}

fn check_fresh(issued_at: f64, now_seconds: f64) -> Result<(), TokenError> {
    if !issued_at.is_finite() || now_seconds - issued_at > TOKEN_LIFESPAN_SECONDS {
        return Err(TokenError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new("init-secret", "session-secret")
    }

    #[test]
    fn a_minted_session_token_verifies_and_round_trips_its_claims() {
        let claims = SessionClaims {
            session: Uuid::new_v4(),
            issued_at: 1_700_000_000.25,
        };
        let token = keys().mint_session(&claims);
        assert_eq!(
            keys().verify_session(&token, 1_700_000_100.0).unwrap(),
            claims
        );
    }

    #[test]
    fn a_token_older_than_a_day_is_expired() {
        let claims = SessionClaims {
            session: Uuid::new_v4(),
            issued_at: 1_700_000_000.0,
        };
        let token = keys().mint_session(&claims);
        let error = keys()
            .verify_session(&token, 1_700_000_000.0 + 86_401.0)
            .unwrap_err();
        assert_eq!(error, TokenError::Expired);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let claims = SessionClaims {
            session: Uuid::new_v4(),
            issued_at: 1_700_000_000.0,
        };
        let forged = TokenKeys::new("x", "another").mint_session(&claims);
        let error = keys().verify_session(&forged, 1_700_000_000.0).unwrap_err();
        assert_eq!(error, TokenError::Invalid);
    }

    #[test]
    fn an_init_token_is_not_a_session_token() {
        let init = InitClaims {
            participant: Uuid::new_v4(),
            conference: Uuid::new_v4(),
            issued_at: 1_700_000_000.0,
        };
        let token = keys().mint_init(&init);
        assert!(keys().verify_session(&token, 1_700_000_000.0).is_err());
    }

    #[test]
    fn the_encoding_matches_pyjwt() {
        // Minted by PyJWT 1.7.1: jwt.encode({"s": "7d0f8c1e-2a8b-4a67-9a34-0c5e3a5c9d11",
        // "t": 1700000000.5}, "session-secret", algorithm="HS256")
        let claims = SessionClaims {
            session: "7d0f8c1e-2a8b-4a67-9a34-0c5e3a5c9d11".parse().unwrap(),
            issued_at: 1_700_000_000.5,
        };
        let token = keys().mint_session(&claims);
        let header = token.split('.').next().unwrap();
        assert_eq!(header, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9");
        let payload = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&payload).unwrap(),
            r#"{"s":"7d0f8c1e-2a8b-4a67-9a34-0c5e3a5c9d11","t":1700000000.5}"#
        );
    }
}
