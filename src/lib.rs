//! ziggurat
