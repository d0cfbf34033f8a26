//! Request signing.
pub mod signer;
