pub mod health;
pub mod stripe;
