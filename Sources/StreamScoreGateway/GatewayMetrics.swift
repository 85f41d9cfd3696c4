import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, registered on a caller-supplied registry (never the global
/// MetricsSystem), so `streamscore dev` can share one registry between worker and gateway.
///
/// - `streamscore_http_requests_total{route,status}`
/// - `streamscore_http_request_seconds{route}` (histogram)
/// - `streamscore_gateway_pending_requests` (gauge, sampled when /metrics is read)
/// - `streamscore_gateway_timeouts_total`
/// - `streamscore_gateway_late_replies_total{reason="late"|"foreign"}`
/// - `streamscore_gateway_ready` and `streamscore_gateway_reply_partitions` (gauges)
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let requests = Mutex<[Int: Counter]>([:])
    private let durations: [DurationHistogram]
    let timeouts: Counter
    let lateReplies: Counter
    let foreignReplies: Counter
    let pending: Gauge
    let ready: Gauge
    let replyPartitions: Gauge

    static var requestsDescriptor: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "streamscore", metricName: "http_requests", unitName: "total",
        helpText: "HTTP requests answered by the gateway, by route and status.") }
    static var durationDescriptor: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "streamscore", metricName: "http_request", unitName: "seconds",
        helpText: "Time from request head to response, by route.") }
    static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        durations = Route.allCases.map { route in
            registry.makeDurationHistogram(descriptor: Self.durationDescriptor, labels: [("route", route.label)],
                                           buckets: Self.buckets)
        }
        timeouts = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "streamscore", subsystem: "gateway", metricName: "timeouts", unitName: "total",
            helpText: "Requests answered 504 because no prediction arrived in time."))
        let late = MetricNameDescriptor(
            namespace: "streamscore", subsystem: "gateway", metricName: "late_replies", unitName: "total",
            helpText: "Replies dropped because no request was waiting for them: late (timed out here) or foreign (another gateway's).")
        lateReplies = registry.makeCounter(descriptor: late, labels: [("reason", "late")])
        foreignReplies = registry.makeCounter(descriptor: late, labels: [("reason", "foreign")])
        pending = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamscore", subsystem: "gateway", metricName: "pending", unitName: "requests",
            helpText: "Requests waiting for a prediction."))
        ready = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamscore", subsystem: "gateway", metricName: "ready", unitName: "",
            helpText: "1 when the gateway owns a reply partition and reaches the broker."))
        replyPartitions = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamscore", subsystem: "gateway", metricName: "reply", unitName: "partitions",
            helpText: "Reply-topic partitions this gateway owns."))
    }

    /// Counts one answered request and its duration.
    func record(route: Route, status: Int, duration: Duration) {
        durations[route.rawValue].record(duration)
        let key = route.rawValue << 16 | status
        let counter = requests.withLock { table -> Counter in
            if let c = table[key] { return c }
            let c = registry.makeCounter(descriptor: Self.requestsDescriptor,
                                         labels: [("route", route.label), ("status", String(status))])
            table[key] = c
            return c
        }
        counter.increment()
    }
}

/// The gateway's routes, as they appear in the `route` label.
enum Route: Int, CaseIterable, Sendable {
    case predict, infer, modelMetadata, modelReady, serverMetadata, live, ready, metrics, dashboard, dashboardData, unknown

    var label: String {
        switch self {
        case .predict: "/predict"
        case .infer: "/v2/models/{model}/infer"
        case .modelMetadata: "/v2/models/{model}"
        case .modelReady: "/v2/models/{model}/ready"
        case .serverMetadata: "/v2"
        case .live: "/v2/health/live"
        case .ready: "/v2/health/ready"
        case .metrics: "/metrics"
        case .dashboard: "/dashboard"
        case .dashboardData: "/dashboard/data"
        case .unknown: "unknown"
        }
    }
}
