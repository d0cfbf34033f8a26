//! The middleware of ziggurat.
pub mod sign;
