//! Cross-domain plumbing: cached SPI plans, who is calling, shared trigger helpers.
pub mod api;
pub mod caller;
pub mod error;
pub mod release;
pub mod spi;
pub mod worker;

#[cfg(any(test, feature = "pg_test"))]
mod tests;
