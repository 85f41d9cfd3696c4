import StreamScoreContract

/// The classic tutorial endpoint: `POST /predict` with `{"data": [[...], ...]}`.
///
/// Optional members: `"model"` and `"model_version"` select the model (the worker's default
/// otherwise). Rows are arrays of feature values in card order or objects of named features.
/// The answer is `{"result": [...], "probabilities": [[...]], "labels": [...], "model": ..., "model_version": ...}`.
enum PredictAPI {
    struct Request: Sendable {
        var model: String?
        var version: String?
        var rows: [JSONValue]
    }

    static let example = #"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}"#

    /// Validates the shape and value types. With a known model, string values are allowed in
    /// its string features; the feature count is left to the worker, which names the mismatch.
    static func parse(_ body: JSONValue, catalog: ModelCatalog) throws(GatewayError) -> Request {
        guard case .object(let object) = body else {
            throw .badRequest("the body must be a JSON object like \(example), got \(body.typeName)")
        }
        var model: String?
        var version: String?
        switch object["model"] {
        case nil, .null?: break
        case .string(let s)?: model = s
        case let other?: throw .badRequest("\"model\" must be a string, got \(other.typeName)")
        }
        switch object["model_version"] {
        case nil, .null?: break
        case .string(let s)?: version = s
        case .number(let d)? where d == d.rounded() && d >= 0 && d < 1e15: version = String(Int64(d))
        case let other?: throw .badRequest("\"model_version\" must be a string, got \(other.typeName)")
        }
        if version != nil && model == nil {
            throw .badRequest("\"model_version\" needs \"model\" too")
        }
        let info: ModelInfo? = if let model { try catalog.lookup(model, version: version) } else { nil }

        guard let data = object["data"] else {
            throw .badRequest("missing \"data\": expected a body like \(example)")
        }
        guard case .array(let rows) = data else {
            throw .badRequest("\"data\" must be an array of rows like [[5.1, 3.5, 1.4, 0.2]], got \(data.typeName)")
        }
        guard !rows.isEmpty else { throw .badRequest("\"data\" has no rows") }
        for (r, row) in rows.enumerated() {
            switch row {
            case .array(let values):
                guard !values.isEmpty else { throw .badRequest("data[\(r)] is an empty row") }
                for (c, value) in values.enumerated() {
                    try check(value, at: "data[\(r)][\(c)]", isString: info?.stringColumns.contains(c) ?? false)
                }
            case .object(let named):
                guard !named.members.isEmpty else { throw .badRequest("data[\(r)] is an empty row") }
                for member in named.members {
                    let column = info?.featureIndex[member.key]
                    try check(member.value, at: "data[\(r)][\"\(member.key)\"]",
                              isString: column.map { info?.stringColumns.contains($0) ?? false } ?? false)
                }
            default:
                throw .badRequest("data[\(r)] must be an array of feature values or an object of named features, "
                    + "got \(row.typeName); \"data\" is a list of rows, e.g. [[5.1, 3.5, 1.4, 0.2]]")
            }
        }
        return Request(model: info?.name ?? model, version: version, rows: rows)
    }

    private static func check(_ value: JSONValue, at place: String, isString: Bool) throws(GatewayError) {
        switch value {
        case .number, .null: return
        case .string(let s):
            if isString { return }
            throw .badRequest("\(place) must be a number, got a string (\(quoted(s)))")
        default:
            throw .badRequest("\(place) must be a number, got \(value.typeName)")
        }
    }

    static func quoted(_ s: String) -> String {
        var w = JSONWriter(capacity: s.utf8.count + 2)
        w.string(s.count > 40 ? String(s.prefix(40)) + "…" : s)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `{"id": <correlation id>, "data": rows}`.
    static func writeRecord(_ request: Request, into w: inout JSONWriter, id: String) {
        w.raw("{\"id\":")
        w.string(id)
        w.raw(",\"data\":")
        w.value(.array(request.rows))
        w.byte(UInt8(ascii: "}"))
    }

    /// The answer body from the worker's prediction record.
    static func answer(from reply: JSONObject) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.raw("{\"result\":")
        if let result = reply["result"] {
            w.value(result)
        } else if let single = reply["prediction"] {
            w.value(.array([single]))
        } else {
            w.raw("[]")
        }
        if let probabilities = reply["probabilities"], probabilities != .null {
            w.raw(",\"probabilities\":")
            if reply["result"] == nil { w.value(.array([probabilities])) } else { w.value(probabilities) }
        }
        if let labels = reply["labels"], labels != .null {
            w.raw(",\"labels\":")
            w.value(labels)
        } else if let label = reply["label"], label != .null {
            w.raw(",\"labels\":")
            w.value(.array([label]))
        }
        w.raw(",\"model\":")
        w.value(reply["model"] ?? .null)
        w.raw(",\"model_version\":")
        w.value(reply["model_version"] ?? .null)
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }
}

extension GatewayError {
    /// The HTTP error for a worker's error reply (`{"error": code, "error_detail": ...}`), or nil.
    static func fromWorkerReply(_ reply: JSONObject) -> GatewayError? {
        guard let code = reply["error"]?.stringValue else { return nil }
        let detail = reply["error_detail"]?.stringValue ?? "rejected by the worker"
        return GatewayError(status(forDeadLetterCode: code), "\(code): \(detail)", extra: [("code", code)])
    }
}
