//! Signing-key derivation and the signing-key cache.
//!
//! `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
//! The cache keeps, per (secret, date, region, service), an HMAC already keyed with
//! `kSigning`, so a warm signature costs one clone and one HMAC of the string to sign.

use std::fmt;

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::slot_cache::SlotCache;

type HmacSha256 = Hmac<Sha256>;

/// How many (secret, date, region, service) keys a [`SigningKeyCache`] holds.
const CACHE_CAPACITY: usize = 16;

/// An HMAC-SHA256 keyed with `key`. Keys up to the block size are zero-padded and longer
/// ones hashed first, exactly as HMAC specifies; done here so that nothing can fail.
pub(crate) fn keyed_mac(key_parts: &[&[u8]]) -> HmacSha256 {
    let total: usize = key_parts.iter().map(|part| part.len()).sum();
    let mut block = Key::<HmacSha256>::default();
    if total <= block.len() {
        let bytes = key_parts.iter().flat_map(|part| part.iter());
        for (slot, byte) in block.iter_mut().zip(bytes) {
            *slot = *byte;
        }
    } else {
        let mut hasher = Sha256::new();
        for part in key_parts {
            hasher.update(part);
        }
        for (slot, byte) in block.iter_mut().zip(hasher.finalize()) {
            *slot = byte;
        }
    }
    <HmacSha256 as KeyInit>::new(&block)
}

fn hmac(key_parts: &[&[u8]], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed_mac(key_parts);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Derives `kSigning` for a secret, a `YYYYMMDD` date, a region and a service.
pub(crate) fn derive_signing_key(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
) -> [u8; 32] {
    let k_date = hmac(&[b"AWS4", secret.as_bytes()], date.as_bytes());
    let k_region = hmac(&[&k_date], region.as_bytes());
    let k_service = hmac(&[&k_region], service.as_bytes());
    hmac(&[&k_service], b"aws4_request")
}

/// The HMAC of `message` with the signing key, not finalized yet.
///
/// With a cache, the state after the message's first block is remembered too: strings to
/// sign begin with the algorithm, the time and the scope, so the signings of one second share
/// their first 64 bytes, and each saves one SHA-256 block. The block is compared byte for
/// byte, so any other message is simply not a hit.
pub(crate) fn mac_over(
    cache: Option<&SigningKeyCache>,
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    message: &[u8],
) -> HmacSha256 {
    match cache {
        Some(cache) => cache.mac_over(secret, date, region, service, message),
        None => {
            let mut mac = keyed_mac(&[&derive_signing_key(secret, date, region, service)]);
            mac.update(message);
            mac
        }
    }
}

/// The length of the remembered first block of a message.
const PREFIX_LEN: usize = 64;

/// A message's first block, and the HMAC state after it.
struct Prefix {
    block: [u8; PREFIX_LEN],
    mac: HmacSha256,
}

struct CacheEntry {
    secret: Box<str>,
    date: Box<str>,
    region: Box<str>,
    service: Box<str>,
    mac: HmacSha256,
    prefix: Option<Box<Prefix>>,
}

impl CacheEntry {
    fn is_for(&self, secret: &str, date: &str, region: &str, service: &str) -> bool {
        *self.date == *date
            && *self.region == *region
            && *self.service == *service
            && *self.secret == *secret
    }
}

/// A cache of derived SigV4 signing keys, shared by every signing that passes it.
///
/// Holds up to 16 keys, one per (secret, `YYYYMMDD` date, region, service). A key is
/// derived once and reused until the date changes; the entry for the previous date of the
/// same (secret, region, service) is then replaced. `Send + Sync`; a lookup takes a
/// `Mutex` for a few comparisons and an HMAC-state clone. `Debug` shows counts only.
pub struct SigningKeyCache {
    cache: SlotCache<CacheEntry>,
}

impl SigningKeyCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self {
            cache: SlotCache::new(CACHE_CAPACITY),
        }
    }

    /// How many signing keys this cache has derived since it was created.
    #[must_use]
    pub fn derivations(&self) -> u64 {
        self.cache.derivations()
    }

    /// How many signing keys are cached.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether no signing key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every cached key (for example after a credential rotation).
    pub fn clear(&self) {
        self.cache.clear();
    }

    fn mac_over(
        &self,
        secret: &str,
        date: &str,
        region: &str,
        service: &str,
        message: &[u8],
    ) -> HmacSha256 {
        let Some((head, tail)) = message.split_first_chunk::<PREFIX_LEN>() else {
            let mut mac = self.signing_mac(secret, date, region, service);
            mac.update(message);
            return mac;
        };
        let found = self.cache.find_mut(
            |entry| entry.is_for(secret, date, region, service),
            |entry| match &entry.prefix {
                Some(prefix) if prefix.block == *head => prefix.mac.clone(),
                _ => {
                    let mut mac = entry.mac.clone();
                    mac.update(head);
                    entry.prefix = Some(Box::new(Prefix {
                        block: *head,
                        mac: mac.clone(),
                    }));
                    mac
                }
            },
        );
        let mut mac = match found {
            Some(mac) => mac,
            None => {
                let mut mac = self.signing_mac(secret, date, region, service);
                mac.update(head);
                mac
            }
        };
        mac.update(tail);
        mac
    }

    fn signing_mac(&self, secret: &str, date: &str, region: &str, service: &str) -> HmacSha256 {
        if let Some(mac) = self.cache.find(
            |entry| entry.is_for(secret, date, region, service),
            |entry| entry.mac.clone(),
        ) {
            return mac;
        }
        // Derive outside the lock; a concurrent miss may derive the same key twice, which
        // is harmless.
        let mac = keyed_mac(&[&derive_signing_key(secret, date, region, service)]);
        let entry = CacheEntry {
            secret: secret.into(),
            date: date.into(),
            region: region.into(),
            service: service.into(),
            mac: mac.clone(),
            prefix: None,
        };
        // A new date replaces the previous day's key of the same scope.
        self.cache.store(entry, |old| {
            *old.secret == *secret && *old.region == *region && *old.service == *service
        });
        mac
    }
}

impl Default for SigningKeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("cached_keys", &self.len())
            .field("derivations", &self.derivations())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_documented_example_key() {
        // From the AWS General Reference "Examples of how to derive a signing key".
        let key = derive_signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn keyed_mac_matches_the_hmac_crate_for_every_key_length() {
        for len in [0, 1, 31, 32, 63, 64, 65, 100, 200] {
            let key = vec![0x5a_u8; len];
            let mut ours = keyed_mac(&[&key]);
            let mut theirs = <HmacSha256 as Mac>::new_from_slice(&key).unwrap();
            ours.update(b"data");
            theirs.update(b"data");
            assert_eq!(
                ours.finalize().into_bytes(),
                theirs.finalize().into_bytes(),
                "key length {len}"
            );
        }
    }

    /// The remembered first block changes nothing: every message, long or short, sharing the
    /// first block or not, gets the HMAC of the whole message.
    #[test]
    fn macs_over_messages_match_with_and_without_the_cache() {
        let cache = SigningKeyCache::new();
        let base = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/svc/aws4_request\n";
        let messages = [
            format!("{base}{}", "a".repeat(64)),
            format!("{base}{}", "b".repeat(64)),
            format!("{base}{}", "a".repeat(64)),
            "short".to_owned(),
            "x".repeat(64),
            "y".repeat(200),
            format!("{base}{}", "c".repeat(64)),
        ];
        let mac = |cache, message: &str| {
            mac_over(
                cache,
                "secret",
                "20150830",
                "us-east-1",
                "svc",
                message.as_bytes(),
            )
            .finalize()
            .into_bytes()
        };
        for message in &messages {
            assert_eq!(mac(Some(&cache), message), mac(None, message), "{message}");
        }
        assert_eq!(cache.derivations(), 1);
    }

    #[test]
    fn cache_derives_once_per_scope() {
        let cache = SigningKeyCache::new();
        let sign = |date: &str, region: &str| {
            let mut mac = cache.signing_mac("secret", date, region, "svc");
            mac.update(b"x");
            mac.finalize().into_bytes()
        };
        let first = sign("20150830", "us-east-1");
        for _ in 0..10 {
            assert_eq!(sign("20150830", "us-east-1"), first);
        }
        assert_eq!(cache.derivations(), 1);
        assert_eq!(cache.len(), 1);

        sign("20150830", "eu-west-1");
        assert_eq!(cache.derivations(), 2);
        assert_eq!(cache.len(), 2);

        // The next day replaces the previous day's key for the same scope.
        sign("20150831", "us-east-1");
        assert_eq!(cache.derivations(), 3);
        assert_eq!(cache.len(), 2);

        for region in 0..40 {
            sign("20150831", &format!("region-{region}"));
        }
        assert_eq!(cache.len(), CACHE_CAPACITY);
        cache.clear();
        assert!(cache.is_empty());
    }
}
