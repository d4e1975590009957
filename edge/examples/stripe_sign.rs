//! Prints the Stripe-Signature header aurora-edge's signer makes for a body, so that a
//! test can check it with Stripe's official library (tests/stripe_crosscheck.sh).
//! Usage: stripe_sign SECRET TIMESTAMP < body
use std::io::Read;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(secret), Some(t)) = (args.get(1), args.get(2).and_then(|t| t.parse::<i64>().ok())) else {
        eprintln!("usage: stripe_sign SECRET TIMESTAMP < body");
        std::process::exit(2);
    };
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).expect("read stdin");
    println!("{}", aurora_edge::stripe::sign(&body, secret, t));
}
