import Foundation

/// A `"kind": "drift"` record on the metrics topic: one model's feature drift over one window.
///
/// PSI (population stability index) of a feature = Σ over bins (a − e) · ln(a / e), where `a` is
/// the window's fraction of rows in the bin and `e` the training baseline's, both floored at a
/// small epsilon so empty bins stay finite. Missing values have their own bin.
public struct DriftRecord: Codable, Sendable, Equatable {
    public var kind = "drift"
    public var worker: String
    public var model: String
    public var version: String
    public var windowStartMs: Int64
    public var windowEndMs: Int64
    /// Rows in the window.
    public var rows: Int
    /// The PSI above which a feature counts as drifted.
    public var threshold: Double
    /// PSI by feature name.
    public var psi: [String: Double]
    /// `psi > threshold` by feature name.
    public var drifted: [String: Bool]
    /// Fraction of missing values by feature name.
    public var missingFraction: [String: Double]
    /// Predicted class → fraction of the window's rows (classifiers).
    public var predictionDistribution: [String: Double]?
    /// Predicted class → fraction in the training baseline, when the card has it.
    public var baselinePredictionDistribution: [String: Double]?
    /// PSI of the predicted-class distribution against the baseline, when both exist.
    public var predictionPSI: Double?

    public init(worker: String, model: String, version: String, windowStartMs: Int64, windowEndMs: Int64, rows: Int,
                threshold: Double, psi: [String: Double], drifted: [String: Bool], missingFraction: [String: Double],
                predictionDistribution: [String: Double]?, baselinePredictionDistribution: [String: Double]?,
                predictionPSI: Double?) {
        self.worker = worker
        self.model = model
        self.version = version
        self.windowStartMs = windowStartMs
        self.windowEndMs = windowEndMs
        self.rows = rows
        self.threshold = threshold
        self.psi = psi
        self.drifted = drifted
        self.missingFraction = missingFraction
        self.predictionDistribution = predictionDistribution
        self.baselinePredictionDistribution = baselinePredictionDistribution
        self.predictionPSI = predictionPSI
    }

    /// Features over the threshold, worst first.
    public var driftedFeatures: [(feature: String, psi: Double)] {
        psi.filter { drifted[$0.key] == true }.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }

    enum CodingKeys: String, CodingKey {
        case kind, worker, model, version, rows, threshold, psi, drifted
        case windowStartMs = "window_start_ms"
        case windowEndMs = "window_end_ms"
        case missingFraction = "missing_fraction"
        case predictionDistribution = "prediction_distribution"
        case baselinePredictionDistribution = "baseline_prediction_distribution"
        case predictionPSI = "prediction_psi"
    }
}

/// Any record of the metrics topic, told apart by its `"kind"` field.
public enum MetricsTopicRecord: Sendable, Equatable {
    case metrics(MetricsRecord)
    case drift(DriftRecord)
    case modelEvent(ModelEventRecord)

    private struct Kind: Decodable { var kind: String }

    /// Decodes a metrics-topic value; `nil` for an unknown kind or malformed JSON.
    public static func decode(_ bytes: some Sequence<UInt8>) -> MetricsTopicRecord? {
        let decoder = JSONDecoder()
        let data = Data(bytes)
        guard let kind = try? decoder.decode(Kind.self, from: data) else { return nil }
        switch kind.kind {
        case "metrics": return (try? decoder.decode(MetricsRecord.self, from: data)).map(MetricsTopicRecord.metrics)
        case "drift": return (try? decoder.decode(DriftRecord.self, from: data)).map(MetricsTopicRecord.drift)
        case "model-event": return (try? decoder.decode(ModelEventRecord.self, from: data)).map(MetricsTopicRecord.modelEvent)
        default: return nil
        }
    }

    /// The worker that produced the record.
    public var worker: String {
        switch self {
        case .metrics(let r): r.worker
        case .drift(let r): r.worker
        case .modelEvent(let r): r.worker
        }
    }
}
