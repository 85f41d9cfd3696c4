import Foundation
import Hummingbird
import NIOCore
import StreamScoreContract

/// The gateway's HTTP API: routing, bearer-token auth, body limits, metrics and JSON errors.
///
/// Routes are matched by hand (a handful of fixed paths), which keeps every answer, including
/// 404 and 405, in the `{"error": "..."}` format and labelled in the request metrics.
public struct GatewayResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let core: GatewayCore

    init(core: GatewayCore) {
        self.core = core
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let (route, response) = await dispatch(request)
        core.metrics.record(route: route, status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }

    private func dispatch(_ request: Request) async -> (Route, Response) {
        let path = request.uri.path
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part.contains("%") ? (String(part).removingPercentEncoding ?? String(part)) : String(part)
        }
        let method = request.method
        let route: Route
        var handler: ((inout Request) async throws(GatewayError) -> Response)?
        var allowed: HTTPRequest.Method = .get
        switch parts.count {
        case 1 where parts[0] == "predict":
            route = .predict
            allowed = .post
            handler = { request throws(GatewayError) in try await predict(&request) }
        case 1 where parts[0] == "metrics":
            route = .metrics
            handler = { _ throws(GatewayError) in metricsText() }
        case 1 where parts[0] == "dashboard":
            route = .dashboard
            handler = { _ throws(GatewayError) in DashboardAPI.page() }
        case 2 where parts[0] == "dashboard" && parts[1] == "data":
            route = .dashboardData
            handler = { _ throws(GatewayError) in try DashboardAPI.data(core.metricsFeed) }
        case 1 where parts[0] == "v2":
            route = .serverMetadata
            handler = { _ throws(GatewayError) in Self.json(.ok, InferenceProtocol.serverMetadata()) }
        case 3 where parts[0] == "v2" && parts[1] == "health" && parts[2] == "live":
            route = .live
            handler = { _ throws(GatewayError) in Self.json(.ok, Array(#"{"live":true}"#.utf8)) }
        case 3 where parts[0] == "v2" && parts[1] == "health" && parts[2] == "ready":
            route = .ready
            handler = { _ throws(GatewayError) in readiness() }
        case 3...6 where parts[0] == "v2" && parts[1] == "models":
            let name = parts[2]
            var rest = parts[3...]
            var pinned: String?
            if rest.count >= 2 && rest.first == "versions" {
                pinned = rest[rest.startIndex + 1]
                rest = rest.dropFirst(2)
            }
            let version = pinned
            switch rest.first {
            case nil:
                route = .modelMetadata
                handler = { _ throws(GatewayError) in try modelMetadata(name, version) }
            case "ready"? where rest.count == 1:
                route = .modelReady
                handler = { _ throws(GatewayError) in try modelReady(name, version) }
            case "infer"? where rest.count == 1:
                route = .infer
                allowed = .post
                handler = { request throws(GatewayError) in try await infer(&request, name, version) }
            default:
                route = .unknown
            }
        default:
            route = .unknown
        }
        guard let handler else {
            return (route, Self.error(.notFound("no route for \(method.rawValue) \(path)")))
        }
        guard method == allowed || (method == .head && allowed == .get) else {
            var headers = HTTPFields()
            headers[.allow] = allowed.rawValue
            return (route, Self.error(GatewayError(.methodNotAllowed, "\(path) takes \(allowed.rawValue), not \(method.rawValue)",
                                                   headers: headers)))
        }
        // The dashboard page holds no data (it asks for the token to load /dashboard/data).
        if let token = core.authToken, route != .live, route != .ready, route != .modelReady, route != .dashboard {
            if let failure = Self.checkAuthorization(request.headers[.authorization], token: token) {
                return (route, Self.error(failure))
            }
        }
        var request = request
        do {
            return (route, try await handler(&request))
        } catch {
            return (route, Self.error(error))
        }
    }

    // MARK: Auth

    /// Compares `Authorization: Bearer <token>` with the configured token in constant time.
    static func checkAuthorization(_ header: String?, token: [UInt8]) -> GatewayError? {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"streamscore\""
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            return GatewayError(.unauthorized, "missing bearer token: send Authorization: Bearer <token>", headers: headers)
        }
        let given = Array(header.utf8.dropFirst(7))
        guard constantTimeEquals(given, token) else {
            return GatewayError(.unauthorized, "invalid bearer token", headers: headers)
        }
        return nil
    }

    /// Equality whose running time depends only on the length of `expected`.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var diff: UInt8 = given.count == expected.count ? 0 : 1
        for i in 0..<expected.count {
            diff |= (i < given.count ? given[i] : 0) ^ expected[i]
        }
        return diff == 0
    }

    // MARK: Handlers

    private func readBody(_ request: inout Request) async throws(GatewayError) -> [UInt8] {
        let limit = core.configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError(.contentTooLarge, "the body has \(length) bytes; the limit is \(limit)")
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw GatewayError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        } catch {
            throw .badRequest("cannot read the body: \(error)")
        }
    }

    private func predict(_ request: inout Request) async throws(GatewayError) -> Response {
        let body = try await readBody(&request)
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw .badRequest("\(error)")
        }
        let parsed = try PredictAPI.parse(root, catalog: core.catalog)
        let reply = try await core.roundTrip(model: parsed.model, version: parsed.version) { w, id in
            PredictAPI.writeRecord(parsed, into: &w, id: id)
        }
        return Self.json(.ok, PredictAPI.answer(from: reply))
    }

    private func infer(_ request: inout Request, _ name: String, _ version: String?) async throws(GatewayError) -> Response {
        let model = try core.catalog.lookup(name, version: version)
        let jsonLength: Int?
        if let header = request.headers[Self.inferenceHeaderName] {
            guard let n = Int(header) else { throw .badRequest("\(InferenceProtocol.binaryHeaderName) must be a number") }
            jsonLength = n
        } else {
            jsonLength = nil
        }
        let body = try await readBody(&request)
        let parsed = try InferenceProtocol.parse(body: body, jsonLength: jsonLength)
        try InferenceProtocol.validateOutputs(parsed, model: model)
        let rows = try InferenceProtocol.rows(from: parsed, model: model)
        guard !rows.isEmpty else { throw .badRequest("the inputs hold no rows") }
        let reply = try await core.roundTrip(model: model.name, version: version) { w, id in
            w.raw("{\"id\":")
            w.string(id)
            w.raw(",\"data\":[")
            for (r, row) in rows.enumerated() {
                if r > 0 { w.byte(UInt8(ascii: ",")) }
                w.value(.array(row))
            }
            w.raw("]}")
        }
        let answer = InferenceProtocol.answer(from: reply, request: parsed, model: model)
        guard let binary = answer.binary else { return Self.json(.ok, answer.json) }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[Self.inferenceHeaderName] = String(answer.json.count)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(answer.json.count + binary.count)
        buffer.writeBytes(answer.json)
        buffer.writeBytes(binary)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }

    private func modelMetadata(_ name: String, _ version: String?) throws(GatewayError) -> Response {
        let model = try core.catalog.lookup(name, version: version)
        let versions = core.catalog.versions(of: name) ?? [model.version]
        return Self.json(.ok, InferenceProtocol.modelMetadata(model, versions: versions))
    }

    private func modelReady(_ name: String, _ version: String?) throws(GatewayError) -> Response {
        let model = try core.catalog.lookup(name, version: version)
        var w = JSONWriter()
        w.raw("{\"name\":")
        w.string(model.name)
        w.raw(",\"version\":")
        w.string(model.version)
        if let reason = core.correlator.notReadyReason {
            w.raw(",\"ready\":false,\"reason\":")
            w.string(reason)
            w.byte(UInt8(ascii: "}"))
            return Self.json(.serviceUnavailable, w.bytes)
        }
        w.raw(",\"ready\":true}")
        return Self.json(.ok, w.bytes)
    }

    private func readiness() -> Response {
        if let reason = core.correlator.notReadyReason {
            var w = JSONWriter()
            w.raw("{\"ready\":false,\"reason\":")
            w.string(reason)
            w.byte(UInt8(ascii: "}"))
            return Self.json(.serviceUnavailable, w.bytes)
        }
        return Self.json(.ok, Array(#"{"ready":true}"#.utf8))
    }

    private func metricsText() -> Response {
        core.correlator.sampleGauges()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: core.metrics.registry.emitToBuffer())))
    }

    // MARK: Responses

    static let inferenceHeaderName = HTTPFields.Element.Name(InferenceProtocol.binaryHeaderName)!

    static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ error: GatewayError) -> Response {
        json(error.status, error.body, headers: error.headers)
    }
}
