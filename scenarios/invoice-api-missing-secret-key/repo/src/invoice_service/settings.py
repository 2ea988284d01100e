from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Read once at start-up from the environment (ConfigMap invoice-api-config and Secrets)."""

    app_env: str = "development"
    log_level: str = "INFO"

    database_host: str
    database_name: str = "invoices"
    database_user: str = "invoice_api"
    database_password: SecretStr

    pdf_renderer_url: str = "http://localhost:3000"

    stripe_api_base: str = "https://api.stripe.com"
    stripe_api_key: SecretStr
    # Signing secret of the Stripe webhook endpoint (whsec_...), used to verify Stripe-Signature.
    stripe_webhook_secret: SecretStr = Field(...)


settings = Settings()  # type: ignore[call-arg]
