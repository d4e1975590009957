//! Cross-domain plumbing: cached SPI plans, who is calling, shared trigger helpers.
pub mod api;
pub mod caller;
pub mod admin;
pub mod error;
pub mod release;
pub mod native;
pub mod spi;
pub mod triggers;

pub use triggers::TriggerResult;

