import Foundation
import Hummingbird
import NIOCore
import StreamScoreMonitor

/// `GET /dashboard` (the page) and `GET /dashboard/data` (the snapshot it polls, as JSON).
enum DashboardAPI {
    static func page() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        // Everything is inline: allow nothing from elsewhere, and only same-origin fetches.
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: DashboardPage.bytes)))
    }

    static func data(_ feed: MetricsFeed) throws(GatewayError) -> Response {
        let snapshot = feed.snapshot()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                       negativeInfinity: "-Infinity", nan: "NaN")
        let body: Data
        do {
            body = try encoder.encode(snapshot)
        } catch {
            throw GatewayError(.internalServerError, "cannot encode the dashboard data: \(error)")
        }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return GatewayResponder.json(.ok, Array(body), headers: headers)
    }
}
