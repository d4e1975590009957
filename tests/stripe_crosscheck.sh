#!/usr/bin/env bash
# Our Stripe signatures, checked by Stripe's official library (stripe on PyPI): a header
# made by aurora-edge's signer must verify, and must not once the body changes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-test"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'stripe>=7,<13'
(cd "$root" && cargo build -q -p aurora-edge --example stripe_sign)
body='{"id":"evt_crosscheck","object":"event","type":"invoice.payment_succeeded","created":1700000000,"data":{"object":{"id":"in_1"}}}'
secret=whsec_crosscheck
t=$(date +%s)
header="$(printf '%s' "$body" | "$root/target/debug/examples/stripe_sign" "$secret" "$t")"
BODY="$body" HEADER="$header" SECRET="$secret" "$venv/bin/python" - <<'PY'
import os, stripe
body, header, secret = os.environ["BODY"], os.environ["HEADER"], os.environ["SECRET"]
stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)
event = stripe.Webhook.construct_event(body, header, secret)
assert event["id"] == "evt_crosscheck", event
try:
    stripe.WebhookSignature.verify_header(body.replace("in_1", "in_2"), header, secret, tolerance=300)
except stripe.error.SignatureVerificationError:
    pass
else:
    raise SystemExit("Stripe's library accepted a tampered body")
print("stripe cross-check (stripe-python %s): 1 passed, 0 failed" % stripe.VERSION)
PY
