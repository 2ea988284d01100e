/*
 * Copyright 2018, Google LLC.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package hipstershop;

import hipstershop.Demo.Ad;
import hipstershop.Demo.AdRequest;
import hipstershop.Demo.AdResponse;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.LocalDate;
import java.time.MonthDay;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

public final class AdService {

  private static final Logger logger = LogManager.getLogger(AdService.class);

  @SuppressWarnings("FieldCanBeLocal")
  private static int MAX_ADS_TO_SERVE = 2;

  private Server server;
  private HealthStatusManager healthMgr;

  private static final AdService service = new AdService();

  private void start() throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "9555"));
    healthMgr = new HealthStatusManager();

    server =
        ServerBuilder.forPort(port)
            .addService(new AdServiceImpl())
            .addService(healthMgr.getHealthService())
            .build()
            .start();
    logger.info("Ad Service started, listening on " + port);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // Use stderr here since the logger may have been reset by its JVM shutdown hook.
                  System.err.println(
                      "*** shutting down gRPC ads server since JVM is shutting down");
                  AdService.this.stop();
                  System.err.println("*** server shut down");
                }));
    healthMgr.setStatus("", ServingStatus.SERVING);
  }

  private void stop() {
    if (server != null) {
      healthMgr.clearStatus("");
      server.shutdown();
    }
  }

  private static class AdServiceImpl extends hipstershop.AdServiceGrpc.AdServiceImplBase {

    /**
     * Retrieves ads based on context provided in the request {@code AdRequest}.
     *
     * @param req the request containing context.
     * @param responseObserver the stream observer which gets notified with the value of {@code
     *     AdResponse}
     */
    @Override
    public void getAds(AdRequest req, StreamObserver<AdResponse> responseObserver) {
      AdService service = AdService.getInstance();
      try {
        List<Ad> allAds = new ArrayList<>();
        logger.info("received ad request (context_words=" + req.getContextKeysList() + ")");
        if (req.getContextKeysCount() > 0) {
          for (int i = 0; i < req.getContextKeysCount(); i++) {
            Collection<Ad> ads = service.getAdsByCategory(req.getContextKeys(i));
            allAds.addAll(ads);
          }
        } else {
          allAds = service.getRandomAds();
        }
        if (allAds.isEmpty()) {
          // Serve random ads.
          allAds = service.getRandomAds();
        }
        AdResponse reply = AdResponse.newBuilder().addAllAds(allAds).build();
        responseObserver.onNext(reply);
        responseObserver.onCompleted();
      } catch (StatusRuntimeException e) {
        logger.log(Level.WARN, "GetAds Failed with status {}", e.getStatus());
        responseObserver.onError(e);
      }
    }
  }

  /** An ad with the days of the year it may be shown (inclusive), for seasonal campaigns. */
  private static final class Campaign {
    final Ad ad;
    final MonthDay from;
    final MonthDay to;

    Campaign(Ad ad, MonthDay from, MonthDay to) {
      this.ad = ad;
      this.from = from;
      this.to = to;
    }

    boolean activeOn(LocalDate day) {
      MonthDay md = MonthDay.from(day);
      // A campaign may run over the new year (from > to).
      return from.isAfter(to)
          ? !md.isBefore(from) || !md.isAfter(to)
          : !md.isBefore(from) && !md.isAfter(to);
    }
  }

  private static final Map<String, List<Campaign>> adsMap = createAdsMap();

  private List<Ad> getAdsByCategory(String category) {
    LocalDate today = LocalDate.now();
    return adsMap.get(category).stream()
        .filter(c -> c.activeOn(today))
        .map(c -> c.ad)
        .collect(Collectors.toList());
  }

  private static final Random random = new Random();

  private List<Ad> getRandomAds() {
    List<Ad> ads = new ArrayList<>(MAX_ADS_TO_SERVE);
    List<Campaign> allCampaigns =
        adsMap.values().stream().flatMap(List::stream).collect(Collectors.toList());
    for (int i = 0; i < MAX_ADS_TO_SERVE; i++) {
      ads.add(allCampaigns.get(random.nextInt(allCampaigns.size())).ad);
    }
    return ads;
  }

  private static AdService getInstance() {
    return service;
  }

  /** Await termination on the main thread since the grpc library uses daemon threads. */
  private void blockUntilShutdown() throws InterruptedException {
    if (server != null) {
      server.awaitTermination();
    }
  }

  private static Ad ad(String productId, String text) {
    return Ad.newBuilder().setRedirectUrl("/product/" + productId).setText(text).build();
  }

  private static Campaign always(Ad ad) {
    return new Campaign(ad, MonthDay.of(1, 1), MonthDay.of(12, 31));
  }

  private static Map<String, List<Campaign>> createAdsMap() {
    Ad hairdryer = ad("2ZYFJ3GM2N", "Hairdryer for sale. 50% off.");
    Ad tankTop = ad("66VCHSJNUP", "Tank top for sale. 20% off.");
    Ad candleHolder = ad("0PUK6V6EV0", "Candle holder for sale. 30% off.");
    Ad bambooGlassJar = ad("9SIQT8TOJO", "Bamboo glass jar for sale. 10% off.");
    Ad watch = ad("1YMWWN1N4O", "Watch for sale. Buy one, get second kit for free");
    Ad mug = ad("6E92ZMYYFZ", "Mug for sale. Buy two, get third one for free");
    Ad loafers = ad("L9ECAV7KIM", "Loafers for sale. Buy one, get second one for free");
    Ad giftCandle = ad("0PUK6V6EV0", "Winter gifts: candle holders from $14.99");
    Ad giftWatch = ad("1YMWWN1N4O", "Last orders for Christmas delivery: 15 December");

    Map<String, List<Campaign>> map = new HashMap<>();
    map.put("clothing", List.of(always(tankTop)));
    map.put("accessories", List.of(always(watch),
        new Campaign(giftWatch, MonthDay.of(11, 25), MonthDay.of(12, 15))));
    map.put("footwear", List.of(always(loafers)));
    map.put("hair", List.of(always(hairdryer)));
    map.put("decor", List.of(always(candleHolder),
        new Campaign(giftCandle, MonthDay.of(11, 25), MonthDay.of(1, 6))));
    map.put("kitchen", List.of(always(bambooGlassJar), always(mug)));
    return map;
  }

  private static void initStats() {
    if (System.getenv("DISABLE_STATS") != null) {
      logger.info("Stats disabled.");
      return;
    }
    logger.info("Stats enabled, but temporarily unavailable");
  }

  private static void initTracing() {
    if (System.getenv("DISABLE_TRACING") != null) {
      logger.info("Tracing disabled.");
      return;
    }
    logger.info("Tracing enabled but temporarily unavailable");
  }

  /** Main launches the server from the command line. */
  public static void main(String[] args) throws IOException, InterruptedException {
    // Registers all RPC views.
    new Thread(
            () -> {
              initStats();
              initTracing();
            })
        .start();

    // Start the RPC server. You shouldn't see any output from gRPC before this.
    logger.info("AdService starting.");
    final AdService service = AdService.getInstance();
    service.start();
    service.blockUntilShutdown();
  }
}
