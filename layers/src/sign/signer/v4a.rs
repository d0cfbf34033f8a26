//! SigV4a (`AWS4-ECDSA-P256-SHA256`): SigV4's canonical request, signed with ECDSA P-256
//! for a *set* of regions.
//!
//! SigV4a exists for requests that one signature must authorize in several regions (S3
//! Multi-Region Access Points, global endpoints). It differs from SigV4 in four places:
//!
//! * the credential scope has no region: `YYYYMMDD/service/aws4_request`;
//! * the regions go in `X-Amz-Region-Set` (`us-east-1`, `us-east-1,us-west-2` or `*`), a
//!   signed header, or a signed query parameter when presigning;
//! * the signature is an ECDSA P-256 signature over the SHA-256 of the string to sign,
//!   DER-encoded and written in lowercase hex;
//! * the key pair is derived from the credentials alone, not from the date, region or
//!   service, so one derivation serves every request of an identity ([`SigV4aKeyCache`]).
//!
//! # Key derivation
//!
//! As specified by aws-c-auth and used by every AWS SDK: NIST SP 800-108 KDF in counter
//! mode with HMAC-SHA256, keyed with `"AWS4A" + secret access key`, over the fixed input
//! `[i = 1]₃₂ ‖ "AWS4-ECDSA-P256-SHA256" ‖ 0x00 ‖ access key id ‖ [counter]₈ ‖ [256]₃₂`. The
//! 256-bit output `k` is a candidate: if `k ≤ n − 2` (where `n` is the order of P-256), the
//! private key is `k + 1`; otherwise `counter` (starting at 1) is incremented and the HMAC
//! recomputed, up to 254 times. The comparison and increment are branch-free.
//!
//! # Signatures
//!
//! Nonces follow RFC 6979 (deterministic ECDSA), so the same request signed twice at the
//! same time gets the same signature. That is a valid ECDSA signature like any other: the
//! verifier cannot tell, and aws-c-auth's random nonces produce different but equally valid
//! signatures of the same string.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use ziggurat_layers::sign::signer::{
//!     Payload, SigV4aKeyCache, SignableRequest, SigningIdentity, SigningParams,
//!     SigningSettings, sign_v4a,
//! };
//!
//! let request = http::Request::get("https://example.amazonaws.com/").body(())?;
//! let settings = SigningSettings::default();
//! let params = SigningParams {
//!     identity: SigningIdentity::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None),
//!     // The region set.
//!     region: "us-east-1,us-west-2",
//!     service: "service",
//!     time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160),
//!     settings: &settings,
//! };
//! let keys = SigV4aKeyCache::new();
//! let signable = SignableRequest::from_request(&request, Payload::Bytes(b""));
//! let output = sign_v4a(&signable, &params, Some(&keys))?;
//! assert!(output.string_to_sign.starts_with(
//!     "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n"
//! ));
//! assert!(output.canonical_request.contains("\nx-amz-region-set:us-east-1,us-west-2\n"));
//!
//! // Anyone holding the public key can check the signature.
//! let key = keys.get_or_derive("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")?;
//! assert!(key.public_key().verify_signature(&output.string_to_sign, &output.signature));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use std::sync::Arc;

use hmac::Mac;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

use super::encoding::push_lower_hex;
use super::error::SigningError;
use super::key::keyed_mac;
use super::output::SigningOutput;
use super::params::{REDACTED, SigningParams};
use super::request::SignableRequest;
use super::signing::{ALGORITHM_V4A, Algorithm, sign_with};
use super::slot_cache::SlotCache;

/// The order of P-256 minus 2, big-endian: the largest KDF output that is accepted.
const N_MINUS_2: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x4F,
];

/// The last value of the KDF's external counter.
const MAX_KEY_DERIVATION_COUNTER: u8 = 254;

/// How many identities a [`SigV4aKeyCache`] holds.
const CACHE_CAPACITY: usize = 8;

/// Signs `request` with SigV4a, without touching it: the returned [`SigningOutput`] says
/// what to add (see [`SigningOutput::apply_to_request`]).
///
/// Everything works as with [`sign`](super::sign), except that `params.region` is the
/// *region set*: one region (`us-east-1`), several separated by commas
/// (`us-east-1,us-west-2`), or `*` for all. Header signing adds `X-Amz-Region-Set` to
/// the headers; presigning adds it to the query, before `X-Amz-Signature`. The signature
/// is DER-encoded ECDSA in lowercase hex (about 140 digits).
///
/// With `key_cache`, the key pair derived from the credentials is reused across calls;
/// without it, it is derived on every call (an HMAC and a P-256 scalar multiplication).
///
/// # Errors
///
/// As [`sign`](super::sign) (an invalid region set is reported as
/// [`SigningError::InvalidScope`] with the field `"region set"`), plus
/// [`SigningError::V4aKeyDerivation`] in the astronomically unlikely case that no key can
/// be derived from the credentials.
pub fn sign_v4a(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    key_cache: Option<&SigV4aKeyCache>,
) -> Result<SigningOutput, SigningError> {
    let key = key_for(params, key_cache)?;
    sign_with(request, params, Algorithm::V4a { key: &key })
}

/// The key pair of the credentials in `params`: from the cache, or derived.
pub(crate) fn key_for(
    params: &SigningParams<'_>,
    key_cache: Option<&SigV4aKeyCache>,
) -> Result<Arc<SigV4aKey>, SigningError> {
    let identity = params.identity;
    match key_cache {
        Some(cache) => cache.get_or_derive(identity.access_key_id, identity.secret_access_key),
        None => Ok(Arc::new(SigV4aKey::derive(
            identity.access_key_id,
            identity.secret_access_key,
        )?)),
    }
}

/// A SigV4a private key, derived from an access key id and a secret access key.
///
/// `Debug` shows nothing but the public key. The private scalar is zeroed when the key
/// is dropped.
#[derive(Clone)]
pub struct SigV4aKey {
    signing: SigningKey,
}

impl SigV4aKey {
    /// Derives the key pair of a credential, as every AWS SDK does (see the
    /// [module documentation](self)).
    ///
    /// # Errors
    ///
    /// [`SigningError::V4aKeyDerivation`] if 254 KDF rounds all produce an out-of-range
    /// candidate (each does with a probability of about 2⁻³²).
    pub fn derive(access_key_id: &str, secret_access_key: &str) -> Result<Self, SigningError> {
        let mac = keyed_mac(&[b"AWS4A", secret_access_key.as_bytes()]);
        for counter in 1..=MAX_KEY_DERIVATION_COUNTER {
            let mut round = mac.clone();
            round.update(&[0, 0, 0, 1]);
            round.update(ALGORITHM_V4A.as_bytes());
            round.update(&[0]);
            round.update(access_key_id.as_bytes());
            round.update(&[counter]);
            round.update(&[0, 0, 1, 0]);
            let mut candidate: [u8; 32] = round.finalize().into_bytes().into();
            if is_at_most(&candidate, &N_MINUS_2) {
                add_one(&mut candidate);
                let signing = SigningKey::from_bytes(&candidate.into())
                    .map_err(|_| SigningError::V4aKeyDerivation);
                candidate.fill(0);
                return signing.map(|signing| Self { signing });
            }
            candidate.fill(0);
        }
        Err(SigningError::V4aKeyDerivation)
    }

    /// The public half of the key pair, which verifies this key's signatures.
    #[must_use]
    pub fn public_key(&self) -> SigV4aPublicKey {
        SigV4aPublicKey {
            verifying: *self.signing.verifying_key(),
        }
    }

    /// Signs `message` (ECDSA P-256 over its SHA-256): the DER encoding, in lowercase hex.
    pub(crate) fn sign_to_hex(&self, message: &[u8]) -> Result<String, SigningError> {
        let signature: Signature = self
            .signing
            .try_sign(message)
            .map_err(|_| SigningError::V4aSignature)?;
        let (r, s) = signature.split_bytes();
        let der = der_encode(&r.into(), &s.into());
        let mut hex = String::with_capacity(der.len() * 2);
        push_lower_hex(&mut hex, &der);
        Ok(hex)
    }
}

impl fmt::Debug for SigV4aKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4aKey")
            .field("private_key", &REDACTED)
            .field("public_key", &self.public_key())
            .finish()
    }
}

/// A SigV4a public key: verifies signatures made by the matching [`SigV4aKey`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SigV4aPublicKey {
    verifying: VerifyingKey,
}

impl SigV4aPublicKey {
    /// The key with the given affine coordinates (32 bytes each, big-endian), as in the
    /// `public-key.json` files of the AWS signing test suite. `None` if they are not a point
    /// of P-256.
    #[must_use]
    pub fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Option<Self> {
        let mut sec1 = [0_u8; 65];
        let uncompressed = std::iter::once(&0x04).chain(x).chain(y);
        for (slot, byte) in sec1.iter_mut().zip(uncompressed) {
            *slot = *byte;
        }
        VerifyingKey::from_sec1_bytes(&sec1)
            .ok()
            .map(|verifying| Self { verifying })
    }

    /// The affine x coordinate, big-endian.
    #[must_use]
    pub fn x(&self) -> [u8; 32] {
        self.coordinates().0
    }

    /// The affine y coordinate, big-endian.
    #[must_use]
    pub fn y(&self) -> [u8; 32] {
        self.coordinates().1
    }

    fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        let point = self.verifying.to_encoded_point(false);
        let mut x = [0_u8; 32];
        let mut y = [0_u8; 32];
        if let (Some(px), Some(py)) = (point.x(), point.y()) {
            x.copy_from_slice(px);
            y.copy_from_slice(py);
        }
        (x, y)
    }

    /// Whether `signature` (DER-encoded ECDSA in hex, as SigV4a sends it) is a valid
    /// signature of `string_to_sign` by this key. Malformed input is simply not valid.
    #[must_use]
    pub fn verify_signature(&self, string_to_sign: &str, signature: &str) -> bool {
        let Some(der) = decode_hex(signature.trim()) else {
            return false;
        };
        let Some((r, s)) = der_decode(&der) else {
            return false;
        };
        let Ok(signature) = Signature::from_scalars(r, s) else {
            return false;
        };
        self.verifying
            .verify(string_to_sign.as_bytes(), &signature)
            .is_ok()
    }
}

impl fmt::Debug for SigV4aPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (x, y) = self.coordinates();
        f.debug_struct("SigV4aPublicKey")
            .field("x", &hex::encode(x))
            .field("y", &hex::encode(y))
            .finish()
    }
}

struct CacheEntry {
    access_key_id: Box<str>,
    secret: Box<str>,
    key: Arc<SigV4aKey>,
}

/// A cache of derived SigV4a keys, one per (access key id, secret access key).
///
/// SigV4a keys do not depend on the date, region or service, so a key is derived once per
/// identity (an HMAC and a P-256 scalar multiplication, tens of microseconds) and reused
/// until the credentials change. Holds up to 8 identities. `Send + Sync`; `Debug` shows
/// counts only.
pub struct SigV4aKeyCache {
    cache: SlotCache<CacheEntry>,
}

impl SigV4aKeyCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self {
            cache: SlotCache::new(CACHE_CAPACITY),
        }
    }

    /// The key of an identity, derived on first use.
    ///
    /// # Errors
    ///
    /// As [`SigV4aKey::derive`].
    pub fn get_or_derive(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<Arc<SigV4aKey>, SigningError> {
        if let Some(key) = self.cache.find(
            |entry| *entry.access_key_id == *access_key_id && *entry.secret == *secret_access_key,
            |entry| entry.key.clone(),
        ) {
            return Ok(key);
        }
        // Derived outside the lock; a concurrent miss may derive the same key twice.
        let key = Arc::new(SigV4aKey::derive(access_key_id, secret_access_key)?);
        let entry = CacheEntry {
            access_key_id: access_key_id.into(),
            secret: secret_access_key.into(),
            key: key.clone(),
        };
        // New credentials for the same access key replace the old entry.
        self.cache
            .store(entry, |old| *old.access_key_id == *access_key_id);
        Ok(key)
    }

    /// How many keys this cache has derived since it was created.
    #[must_use]
    pub fn derivations(&self) -> u64 {
        self.cache.derivations()
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every cached key.
    pub fn clear(&self) {
        self.cache.clear();
    }
}

impl Default for SigV4aKeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SigV4aKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4aKeyCache")
            .field("cached_keys", &self.len())
            .field("derivations", &self.derivations())
            .finish()
    }
}

/// `a ≤ b` for 32-byte big-endian numbers, without branching on their values.
fn is_at_most(a: &[u8; 32], b: &[u8; 32]) -> bool {
    // b - a, from the least significant byte: a borrow out of the top means a > b.
    let mut borrow: i16 = 0;
    for (&x, &y) in a.iter().rev().zip(b.iter().rev()) {
        let difference = i16::from(y) - i16::from(x) - borrow;
        borrow = (difference >> 8) & 1;
    }
    borrow == 0
}

/// `value + 1` for a 32-byte big-endian number (which must not be all `0xFF`).
fn add_one(value: &mut [u8; 32]) {
    let mut carry: u16 = 1;
    for byte in value.iter_mut().rev() {
        let sum = u16::from(*byte) + carry;
        *byte = (sum & 0xFF) as u8;
        carry = sum >> 8;
    }
}

/// An unsigned big-endian integer as the content of a DER INTEGER: without leading zero
/// bytes, but with one zero byte in front if the top bit is set.
fn der_integer(out: &mut Vec<u8>, value: &[u8; 32]) {
    let start = value.iter().position(|&byte| byte != 0).unwrap_or(31);
    let digits = value.get(start..).unwrap_or_default();
    let pad = digits.first().is_some_and(|&byte| byte & 0x80 != 0);
    out.push(0x02);
    out.push((digits.len() + usize::from(pad)) as u8);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

/// `SEQUENCE { INTEGER r, INTEGER s }`.
fn der_encode(r: &[u8; 32], s: &[u8; 32]) -> Vec<u8> {
    let mut integers = Vec::with_capacity(70);
    der_integer(&mut integers, r);
    der_integer(&mut integers, s);
    let mut der = Vec::with_capacity(integers.len() + 2);
    der.push(0x30);
    der.push(integers.len() as u8);
    der.extend_from_slice(&integers);
    der
}

/// Reads one DER INTEGER of at most 32 significant bytes; returns it left-padded and the
/// rest of the input.
fn der_read_integer(input: &[u8]) -> Option<([u8; 32], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if tag != 0x02 || len == 0 || len >= 0x80 {
        return None;
    }
    let (content, rest) = rest.split_at_checked(usize::from(len))?;
    let mut digits = content;
    while let [0, tail @ ..] = digits {
        digits = tail;
    }
    let mut value = [0_u8; 32];
    let offset = 32_usize.checked_sub(digits.len())?;
    value.get_mut(offset..)?.copy_from_slice(digits);
    Some((value, rest))
}

/// `SEQUENCE { INTEGER r, INTEGER s }` with short-form lengths (all P-256 signatures).
fn der_decode(der: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let (&tag, rest) = der.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if tag != 0x30 || usize::from(len) != rest.len() {
        return None;
    }
    let (r, rest) = der_read_integer(rest)?;
    let (s, rest) = der_read_integer(rest)?;
    rest.is_empty().then_some((r, s))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn derives_the_suite_public_key() {
        let key = SigV4aKey::derive(AKID, SECRET).unwrap();
        let public = key.public_key();
        assert_eq!(
            hex::encode(public.x()),
            "b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1"
        );
        assert_eq!(
            hex::encode(public.y()),
            "865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518"
        );
        let debug = format!("{key:?}");
        assert!(
            debug.contains("redacted") && debug.contains("b6618f6a"),
            "{debug}"
        );
    }

    #[test]
    fn comparison_and_increment_are_exact() {
        let mut n_minus_2 = N_MINUS_2;
        assert!(is_at_most(&n_minus_2, &N_MINUS_2));
        add_one(&mut n_minus_2);
        assert!(!is_at_most(&n_minus_2, &N_MINUS_2));
        assert!(is_at_most(&[0; 32], &N_MINUS_2));
        assert!(!is_at_most(&[0xFF; 32], &N_MINUS_2));
        let mut below = N_MINUS_2;
        below[0] = 0xFE;
        below[31] = 0xFF;
        assert!(is_at_most(&below, &N_MINUS_2));
        let mut carry = [0_u8; 32];
        carry[30] = 0x01;
        carry[31] = 0xFF;
        add_one(&mut carry);
        assert_eq!(&carry[29..], &[0, 2, 0]);
    }

    #[test]
    fn der_round_trips_and_rejects_garbage() {
        let mut r = [0_u8; 32];
        r[0] = 0x80;
        let mut s = [0_u8; 32];
        s[5] = 0x7F;
        let der = der_encode(&r, &s);
        assert_eq!(der[3], 33, "high bit gets a zero byte");
        assert_eq!(der_decode(&der), Some((r, s)));
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x00],
            &[0x30, 0x03, 0x02, 0x01],
            &[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            &[0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00],
        ] {
            assert_eq!(der_decode(bad), None, "{bad:?}");
        }
        let mut long = vec![0x30, 0x25, 0x02, 0x21];
        long.extend([0x01; 33]);
        long.extend([0x02, 0x01, 0x01]);
        assert_eq!(der_decode(&long), None);
    }

    #[test]
    fn signatures_verify_and_tampering_is_detected() {
        let key = SigV4aKey::derive(AKID, SECRET).unwrap();
        let signature = key.sign_to_hex(b"string to sign").unwrap();
        let public = key.public_key();
        assert!(public.verify_signature("string to sign", &signature));
        assert!(!public.verify_signature("string to sign!", &signature));
        assert!(!public.verify_signature("string to sign", "zz"));
        assert!(!public.verify_signature("string to sign", ""));
        let other = SigV4aKey::derive("AKIDOTHER", SECRET).unwrap();
        assert_ne!(other.public_key(), public);
        assert!(
            !other
                .public_key()
                .verify_signature("string to sign", &signature)
        );
    }

    #[test]
    fn cache_derives_once_per_identity() {
        let cache = SigV4aKeyCache::new();
        let first = cache.get_or_derive(AKID, SECRET).unwrap();
        let again = cache.get_or_derive(AKID, SECRET).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(cache.derivations(), 1);
        // A rotated secret for the same access key id replaces the entry.
        cache.get_or_derive(AKID, "rotated").unwrap();
        assert_eq!((cache.derivations(), cache.len()), (2, 1));
        for id in 0..20 {
            cache.get_or_derive(&format!("AKID{id}"), SECRET).unwrap();
        }
        assert_eq!(cache.len(), CACHE_CAPACITY);
        assert!(!format!("{cache:?}").contains(SECRET));
        cache.clear();
        assert!(cache.is_empty());
    }
}
