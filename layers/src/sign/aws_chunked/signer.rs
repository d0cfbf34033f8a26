//! The chained chunk and trailer signatures of `aws-chunked` bodies.
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::AwsChunkedError;
use crate::sign::signer::encode_lower_hex;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 of the empty string, in hex: the "previous headers" hash of every chunk.
const EMPTY_SHA256_HEX: &[u8] = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const CHUNK_ALGORITHM: &[u8] = b"AWS4-HMAC-SHA256-PAYLOAD";
const TRAILER_ALGORITHM: &[u8] = b"AWS4-HMAC-SHA256-TRAILER";

/// Signs the chunks and the trailer of one `aws-chunked` body, each signature chained from
/// the one before, starting at the request's own (seed) signature.
///
/// A chunk signs
/// `AWS4-HMAC-SHA256-PAYLOAD\n<x-amz-date>\n<scope>\n<previous signature>\n<SHA-256 of "">\n<SHA-256 of the chunk>`;
/// the trailer signs
/// `AWS4-HMAC-SHA256-TRAILER\n<x-amz-date>\n<scope>\n<signature of the final empty chunk>\n<SHA-256 of the trailer lines>`.
/// Nothing is allocated per chunk. `Clone` copies the state, so a copy made before the first
/// chunk can sign the same body again (a replay of the same signed request).
///
/// `Debug` shows the date and the scope only.
///
/// ```
/// use ziggurat_layers::sign::aws_chunked::ChunkSigner;
///
/// // The example of the S3 documentation ("Signature calculation: transfer payload in
/// // multiple chunks").
/// let mut signer = ChunkSigner::new(
///     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
///     "20130524T000000Z",
///     "us-east-1",
///     "s3",
///     "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
/// )?;
/// assert_eq!(
///     signer.sign_chunk(&[b'a'; 65536]),
///     "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
/// );
/// # Ok::<(), ziggurat_layers::sign::aws_chunked::AwsChunkedError>(())
/// ```
#[derive(Clone)]
pub struct ChunkSigner {
    /// An HMAC keyed with the derived signing key.
    mac: HmacSha256,
    /// `\n<x-amz-date>\n<scope>\n` (the part of every string to sign after the algorithm).
    date_and_scope: Box<[u8]>,
    /// The previous signature, lowercase hex.
    previous: [u8; 64],
}

impl ChunkSigner {
    /// A signer for a body whose request was signed at `date_time` (`YYYYMMDDTHHMMSSZ`, the
    /// `x-amz-date` header) for `region` and `service`, with the request signature
    /// `seed_signature` (64 lowercase hex digits).
    ///
    /// # Errors
    ///
    /// [`AwsChunkedError`] when the date or the seed signature is malformed.
    pub fn new(
        secret_access_key: &str,
        date_time: &str,
        region: &str,
        service: &str,
        seed_signature: &str,
    ) -> Result<Self, AwsChunkedError> {
        let date = date_time
            .get(..8)
            .filter(|_| date_time.len() == 16 && date_time.is_ascii())
            .ok_or_else(|| AwsChunkedError::signing("the signing time is not YYYYMMDDTHHMMSSZ"))?;
        let previous: [u8; 64] = seed_signature
            .as_bytes()
            .try_into()
            .ok()
            .filter(|s: &[u8; 64]| s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .ok_or_else(|| {
                AwsChunkedError::signing("the seed signature is not 64 lowercase hex digits")
            })?;
        let mut scope = Vec::with_capacity(16 + 8 + region.len() + service.len() + 32);
        scope.push(b'\n');
        scope.extend_from_slice(date_time.as_bytes());
        scope.push(b'\n');
        for part in [date, "/", region, "/", service, "/aws4_request\n"] {
            scope.extend_from_slice(part.as_bytes());
        }
        Ok(ChunkSigner {
            mac: signing_mac(secret_access_key, date, region, service)?,
            date_and_scope: scope.into_boxed_slice(),
            previous,
        })
    }

    /// Signs the next chunk (the final chunk is empty) and returns its signature.
    pub fn sign_chunk(&mut self, data: &[u8]) -> &str {
        let mut hash = [0u8; 64];
        encode_lower_hex(&Sha256::digest(data), &mut hash);
        let mut mac = self.mac.clone();
        mac.update(CHUNK_ALGORITHM);
        mac.update(&self.date_and_scope);
        mac.update(&self.previous);
        mac.update(b"\n");
        mac.update(EMPTY_SHA256_HEX);
        mac.update(b"\n");
        mac.update(&hash);
        self.finish(mac)
    }

    /// Signs the trailer lines, each `name:value\n` (sorted by name), after the final chunk,
    /// and returns the signature.
    pub fn sign_trailer(&mut self, canonical_trailer: &[u8]) -> &str {
        let mut hash = [0u8; 64];
        encode_lower_hex(&Sha256::digest(canonical_trailer), &mut hash);
        let mut mac = self.mac.clone();
        mac.update(TRAILER_ALGORITHM);
        mac.update(&self.date_and_scope);
        mac.update(&self.previous);
        mac.update(b"\n");
        mac.update(&hash);
        self.finish(mac)
    }

    /// The signature the next one is chained from.
    pub fn previous_signature(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.previous).unwrap_or_default()
    }

    fn finish(&mut self, mac: HmacSha256) -> &str {
        encode_lower_hex(&mac.finalize().into_bytes(), &mut self.previous);
        self.previous_signature()
    }
}

impl fmt::Debug for ChunkSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = String::from_utf8_lossy(&self.date_and_scope);
        f.debug_struct("ChunkSigner")
            .field("date_and_scope", &shown.trim())
            .field("signing_key", &"** redacted **")
            .finish_non_exhaustive()
    }
}

fn mac_with_key(key: &[u8]) -> Result<HmacSha256, AwsChunkedError> {
    // HMAC takes keys of any length; the error case cannot happen.
    <HmacSha256 as Mac>::new_from_slice(key)
        .map_err(|_| AwsChunkedError::signing("invalid HMAC key"))
}

fn hmac(key: &[u8], data: &[u8]) -> Result<[u8; 32], AwsChunkedError> {
    let mut mac = mac_with_key(key)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().into())
}

/// An HMAC keyed with `kSigning` for the secret, `YYYYMMDD` date, region and service.
fn signing_mac(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
) -> Result<HmacSha256, AwsChunkedError> {
    let mut first = Vec::with_capacity(4 + secret.len());
    first.extend_from_slice(b"AWS4");
    first.extend_from_slice(secret.as_bytes());
    let k_date = hmac(&first, date.as_bytes())?;
    let k_region = hmac(&k_date, region.as_bytes())?;
    let k_service = hmac(&k_region, service.as_bytes())?;
    let k_signing = hmac(&k_service, b"aws4_request")?;
    mac_with_key(&k_signing)
}
