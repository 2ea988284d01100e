import Config

# config/runtime.exs is executed for all environments, including
# during releases. It is executed after compilation and before the
# system starts, so it is typically used to load production configuration
# and secrets from environment variables or elsewhere.

if System.get_env("PHX_SERVER") do
  config :sailing_inventory, SailingInventoryWeb.Endpoint, server: true
end

if config_env() == :prod do
  database_url =
    System.get_env("DATABASE_URL") ||
      raise """
      environment variable DATABASE_URL is missing.
      For example: ecto://USER:PASS@HOST/DATABASE
      """

  config :sailing_inventory, SailingInventory.Repo,
    url: database_url,
    ssl: [cacertfile: "/etc/ssl/certs/ca-certificates.crt"],
    pool_size: String.to_integer(System.get_env("POOL_SIZE") || "10")

  secret_key_base =
    System.get_env("SECRET_KEY_BASE") ||
      raise """
      environment variable SECRET_KEY_BASE is missing.
      You can generate one by calling: mix phx.gen.secret
      """

  # Seat holds: how long a seat stays reserved while the passenger pays, and where the
  # operators' allocation API lives. No defaults on purpose: each operator contract sets them.
  config :sailing_inventory, SailingInventory.Holds,
    ttl_seconds: String.to_integer(System.fetch_env!("SEAT_HOLD_TTL_SECONDS")),
    operator_api_url: System.fetch_env!("OPERATOR_API_URL")

  host = System.get_env("PHX_HOST") || "example.com"
  port = String.to_integer(System.get_env("PORT") || "4000")

  config :sailing_inventory, SailingInventoryWeb.Endpoint,
    url: [host: host, port: 443, scheme: "https"],
    http: [
      ip: {0, 0, 0, 0, 0, 0, 0, 0},
      port: port
    ],
    secret_key_base: secret_key_base
end
