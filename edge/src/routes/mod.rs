pub mod health;
pub mod stripe;
pub mod member;
pub mod account;
pub mod auth;
pub mod debug;
