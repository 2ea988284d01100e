#!/usr/bin/python
#
# Copyright 2018 Google LLC
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

from concurrent import futures
from dataclasses import dataclass
from email.message import EmailMessage
import os
import smtplib
import time
import traceback

from google.auth.exceptions import DefaultCredentialsError
import grpc
from jinja2 import Environment, FileSystemLoader, select_autoescape, TemplateError

import demo_pb2
import demo_pb2_grpc
from grpc_health.v1 import health_pb2
from grpc_health.v1 import health_pb2_grpc

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.grpc import GrpcInstrumentorServer

import googlecloudprofiler

from logger import getJSONLogger
logger = getJSONLogger('emailservice-server')

# Loads confirmation email template from file
env = Environment(
    loader=FileSystemLoader('templates'),
    autoescape=select_autoescape(['html', 'xml'])
)
template = env.get_template('confirmation.html')


@dataclass(frozen=True)
class SmtpConfig:
  """Where and how to send mail; every value comes from the environment (emailservice-config)."""
  host: str
  port: int
  username: str
  password: str
  sender: str
  use_tls: bool

  @classmethod
  def from_env(cls):
    return cls(
      host=os.environ['SMTP_HOST'],
      port=int(os.environ.get('SMTP_PORT', '587')),
      username=os.environ['SMTP_USERNAME'],
      password=os.environ['SMTP_PASSWORD'],
      sender=os.environ.get('EMAIL_FROM', 'orders@boutique.fuzzylabs.io'),
      use_tls=os.environ.get('SMTP_USE_TLS', 'true').lower() == 'true',
    )


class BaseEmailService(demo_pb2_grpc.EmailServiceServicer):
  def Check(self, request, context):
    return health_pb2.HealthCheckResponse(
      status=health_pb2.HealthCheckResponse.SERVING)

  def Watch(self, request, context):
    return health_pb2.HealthCheckResponse(
      status=health_pb2.HealthCheckResponse.UNIMPLEMENTED)


class SmtpEmailService(BaseEmailService):
  def __init__(self, config):
    self.config = config
    super().__init__()

  def send_email(self, email_address, content):
    message = EmailMessage()
    message['Subject'] = 'Your Confirmation Email'
    message['From'] = self.config.sender
    message['To'] = email_address
    message.set_content('Your order is confirmed. Open this message in an HTML mail client to see it.')
    message.add_alternative(content, subtype='html')
    with smtplib.SMTP(self.config.host, self.config.port, timeout=10) as smtp:
      if self.config.use_tls:
        smtp.starttls()
      smtp.login(self.config.username, self.config.password)
      smtp.send_message(message)

  def SendOrderConfirmation(self, request, context):
    email = request.email
    order = request.order

    try:
      confirmation = template.render(order = order)
    except TemplateError as err:
      context.set_details("An error occurred when preparing the confirmation mail.")
      logger.error(err.message)
      context.set_code(grpc.StatusCode.INTERNAL)
      return demo_pb2.Empty()

    try:
      self.send_email(email, confirmation)
    except (smtplib.SMTPException, OSError) as err:
      context.set_details("An error occurred when sending the email.")
      logger.error("sending order confirmation for order {} failed: {}".format(order.order_id, err))
      context.set_code(grpc.StatusCode.INTERNAL)
      return demo_pb2.Empty()

    logger.info("order confirmation for order {} sent to {} via {}:{}".format(
      order.order_id, email, self.config.host, self.config.port))
    return demo_pb2.Empty()


def start():
  config = SmtpConfig.from_env()
  logger.info("sending mail through {}:{} as {}".format(config.host, config.port, config.sender))

  server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
  service = SmtpEmailService(config)

  demo_pb2_grpc.add_EmailServiceServicer_to_server(service, server)
  health_pb2_grpc.add_HealthServicer_to_server(service, server)

  port = os.environ.get('PORT', "8080")
  logger.info("listening on port: "+port)
  server.add_insecure_port('[::]:'+port)
  server.start()
  try:
    while True:
      time.sleep(3600)
  except KeyboardInterrupt:
    server.stop(0)


def initStackdriverProfiling():
  project_id = None
  try:
    project_id = os.environ["GCP_PROJECT_ID"]
  except KeyError:
    # Environment variable not set
    pass

  for retry in range(1,4):
    try:
      if project_id:
        googlecloudprofiler.start(service='email_server', service_version='1.0.0', verbose=0, project_id=project_id)
      else:
        googlecloudprofiler.start(service='email_server', service_version='1.0.0', verbose=0)
      logger.info("Successfully started Stackdriver Profiler.")
      return
    except (BaseException) as exc:
      logger.info("Unable to start Stackdriver Profiler Python agent. " + str(exc))
      if (retry < 4):
        logger.info("Sleeping %d to retry initializing Stackdriver Profiler"%(retry*10))
        time.sleep (1)
      else:
        logger.warning("Could not initialize Stackdriver Profiler after retrying, giving up")
  return


if __name__ == '__main__':
  logger.info('starting the email service.')

  # Profiler
  try:
    if "DISABLE_PROFILER" in os.environ:
      raise KeyError()
    else:
      logger.info("Profiler enabled.")
      initStackdriverProfiling()
  except KeyError:
      logger.info("Profiler disabled.")

  # Tracing
  try:
    if os.environ["ENABLE_TRACING"] == "1":
      otel_endpoint = os.getenv("COLLECTOR_SERVICE_ADDR", "localhost:4317")
      trace.set_tracer_provider(TracerProvider())
      trace.get_tracer_provider().add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(
            endpoint = otel_endpoint,
            insecure = True
          )
        )
      )
    grpc_server_instrumentor = GrpcInstrumentorServer()
    grpc_server_instrumentor.instrument()

  except (KeyError, DefaultCredentialsError):
      logger.info("Tracing disabled.")
  except Exception as e:
      logger.warn(f"Exception on Cloud Trace setup: {traceback.format_exc()}, tracing disabled.")

  start()
