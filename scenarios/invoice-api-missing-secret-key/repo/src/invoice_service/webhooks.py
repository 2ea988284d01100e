import stripe
import structlog
from fastapi import APIRouter, Header, HTTPException, Request

from .invoices import mark_paid, mark_payment_failed
from .settings import settings

log = structlog.get_logger(__name__)
router = APIRouter()


@router.post("/webhooks/stripe", status_code=204)
async def stripe_webhook(request: Request, stripe_signature: str = Header(alias="Stripe-Signature")) -> None:
    payload = await request.body()
    try:
        event = stripe.Webhook.construct_event(
            payload, stripe_signature, settings.stripe_webhook_secret.get_secret_value()
        )
    except stripe.error.SignatureVerificationError as exc:
        log.warning("stripe webhook signature rejected", error=str(exc))
        raise HTTPException(status_code=400, detail="invalid signature") from exc

    if event["type"] == "invoice.paid":
        await mark_paid(event["data"]["object"]["metadata"]["invoice_id"])
    elif event["type"] == "invoice.payment_failed":
        await mark_payment_failed(event["data"]["object"]["metadata"]["invoice_id"])
    log.info("stripe webhook handled", type=event["type"], id=event["id"])
