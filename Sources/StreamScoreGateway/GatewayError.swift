import Hummingbird
import StreamScoreContract

/// An HTTP error answer: a status and a `{"error": message}` body.
struct GatewayError: Error, Sendable, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    /// Extra string members of the body, e.g. the worker's error `code`.
    var extra: [(String, String)] = []
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, extra: [(String, String)] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.extra = extra
        self.headers = headers
    }

    var description: String { "\(status.code) \(message)" }

    var body: [UInt8] { JSONWriter.errorBody(message, extra: extra) }

    static func badRequest(_ message: String) -> GatewayError { GatewayError(.badRequest, message) }
    static func notFound(_ message: String) -> GatewayError { GatewayError(.notFound, message) }

    /// The status for a worker's error reply, by its dead-letter code.
    static func status(forDeadLetterCode code: String) -> HTTPResponse.Status {
        switch DeadLetterCode(rawValue: code) {
        case .unknownModel: .notFound
        case .tooLarge: .contentTooLarge
        case .expired: .gatewayTimeout
        case .inferenceFailed: .internalServerError
        default: .badRequest
        }
    }
}
