/// Where a scored record came from; lets consumers drop at-least-once duplicates.
public struct RecordSource: Codable, Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// Per-record timings in milliseconds.
public struct PredictionTimings: Codable, Sendable, Equatable {
    /// From arrival at the worker to the start of inference.
    public var queued: Double
    /// The batch's inference time.
    public var inference: Double
    /// From the Kafka record timestamp to produce time.
    public var endToEnd: Double

    public init(queued: Double, inference: Double, endToEnd: Double) {
        self.queued = queued
        self.inference = inference
        self.endToEnd = endToEnd
    }

    enum CodingKeys: String, CodingKey {
        case queued, inference
        case endToEnd = "end_to_end"
    }
}

/// A predicted class or value: an integer class, a string class, or a number.
public enum PredictionValue: Codable, Sendable, Equatable {
    case int(Int64)
    case string(String)
    case number(Double)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .number(let d): try c.encode(d)
        }
    }
}

/// The prediction record (DESIGN.md, "Records"), as read by downstream consumers and the gateway.
/// Single-row records carry `prediction`/`label`/`probabilities`; `data` records carry `result`
/// and `probabilities` as a list of rows. Rejected gateway requests come back with `error`.
public struct PredictionRecord: Codable, Sendable, Equatable {
    public var id: String?
    public var model: String?
    public var modelVersion: String?
    public var prediction: PredictionValue?
    public var label: String?
    public var probabilities: [Float]?
    public var scores: [Float]?
    public var result: [PredictionValue]?
    public var labels: [String]?
    public var rowProbabilities: [[Float]]?
    public var source: RecordSource?
    public var timingsMs: PredictionTimings?
    public var worker: String?
    /// Set on error replies: the DLQ code and detail.
    public var error: String?
    public var errorDetail: String?

    enum CodingKeys: String, CodingKey {
        case id, model, prediction, label, probabilities, scores, result, labels, source, worker, error
        case modelVersion = "model_version"
        case timingsMs = "timings_ms"
        case errorDetail = "error_detail"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        modelVersion = try c.decodeIfPresent(String.self, forKey: .modelVersion)
        prediction = try c.decodeIfPresent(PredictionValue.self, forKey: .prediction)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        // JSON has no NaN: the worker writes NaN scores as null, read back here as .nan.
        scores = try c.decodeIfPresent([Float?].self, forKey: .scores)?.map { $0 ?? .nan }
        result = try c.decodeIfPresent([PredictionValue].self, forKey: .result)
        labels = try c.decodeIfPresent([String].self, forKey: .labels)
        if result != nil {
            rowProbabilities = try c.decodeIfPresent([[Float?]].self, forKey: .probabilities)?.map { $0.map { $0 ?? .nan } }
        } else {
            probabilities = try c.decodeIfPresent([Float?].self, forKey: .probabilities)?.map { $0 ?? .nan }
        }
        source = try c.decodeIfPresent(RecordSource.self, forKey: .source)
        timingsMs = try c.decodeIfPresent(PredictionTimings.self, forKey: .timingsMs)
        worker = try c.decodeIfPresent(String.self, forKey: .worker)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        errorDetail = try c.decodeIfPresent(String.self, forKey: .errorDetail)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(model, forKey: .model)
        try c.encodeIfPresent(modelVersion, forKey: .modelVersion)
        try c.encodeIfPresent(prediction, forKey: .prediction)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(result, forKey: .result)
        try c.encodeIfPresent(labels, forKey: .labels)
        if let rowProbabilities {
            try c.encode(rowProbabilities, forKey: .probabilities)
        } else {
            try c.encodeIfPresent(probabilities, forKey: .probabilities)
        }
        try c.encodeIfPresent(scores, forKey: .scores)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encodeIfPresent(timingsMs, forKey: .timingsMs)
        try c.encodeIfPresent(worker, forKey: .worker)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(errorDetail, forKey: .errorDetail)
    }
}
