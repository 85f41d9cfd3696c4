/// The human- and machine-readable description stored next to a model as `card.json`.
///
/// Schema (unknown keys are ignored, optional keys may be absent):
/// ```
/// {"name", "version", "description", "task", "framework",
///  "inputs": [{"name", "type", "features": [String]}],
///  "outputs": {"label": String?, "scores": String?},
///  "classes": [String]?, "metrics": {String: Double},
///  "baseline": {"features": {name: {"edges": [Double], "fractions": [Double],
///                                    "categories": {String: Double}?, "missing_fraction": Double?}},
///               "rows": Int,
///               "prediction_distribution": {String: Double} | {"edges", "fractions"} | null}?,
///  "samples": [{"features": [number | string | null], "label": Int | String?, "scores": [Double]?}]?}
/// ```
public struct ModelCard: Codable, Sendable, Equatable {
    /// One ONNX graph input and the card features that fill its columns, in column order.
    public struct Input: Codable, Sendable, Equatable {
        public var name: String
        /// Element type: "float32", "float64", "int64" or "string".
        public var type: String
        public var features: [String]

        public init(name: String, type: String, features: [String]) {
            self.name = name
            self.type = type
            self.features = features
        }
    }

    /// Names of the graph outputs holding the predicted label and the scores (probabilities).
    public struct Outputs: Codable, Sendable, Equatable {
        public var label: String?
        public var scores: String?

        public init(label: String? = nil, scores: String? = nil) {
            self.label = label
            self.scores = scores
        }
    }

    /// The training-data distribution of one feature: for numeric features a histogram where
    /// `fractions[i]` of rows fell in `[edges[i], edges[i+1])`; for string features the fraction
    /// of rows per category.
    public struct Histogram: Codable, Sendable, Equatable {
        public var edges: [Double]
        public var fractions: [Double]
        public var categories: [String: Double]?
        public var missingFraction: Double?

        enum CodingKeys: String, CodingKey {
            case edges, fractions, categories
            case missingFraction = "missing_fraction"
        }

        public init(edges: [Double], fractions: [Double], categories: [String: Double]? = nil,
                    missingFraction: Double? = nil) {
            self.edges = edges
            self.fractions = fractions
            self.categories = categories
            self.missingFraction = missingFraction
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            edges = try c.decodeIfPresent([Double].self, forKey: .edges) ?? []
            fractions = try c.decodeIfPresent([Double].self, forKey: .fractions) ?? []
            categories = try c.decodeIfPresent([String: Double].self, forKey: .categories)
            missingFraction = try c.decodeIfPresent(Double.self, forKey: .missingFraction)
        }
    }

    /// The distribution of training-time predictions: the fraction per class (classifiers,
    /// clustering, anomaly detection) or a histogram of predicted values (regressors).
    public enum PredictionDistribution: Codable, Sendable, Equatable {
        case classes([String: Double])
        case histogram(Histogram)

        public init(from decoder: any Decoder) throws {
            if let classes = try? [String: Double](from: decoder) {
                self = .classes(classes)
            } else {
                self = .histogram(try Histogram(from: decoder))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .classes(let fractions): try fractions.encode(to: encoder)
            case .histogram(let histogram): try histogram.encode(to: encoder)
            }
        }
    }

    /// Training-time distributions used for drift monitoring.
    public struct Baseline: Codable, Sendable, Equatable {
        public var features: [String: Histogram]
        public var rows: Int
        public var predictionDistribution: PredictionDistribution?

        enum CodingKeys: String, CodingKey {
            case features, rows
            case predictionDistribution = "prediction_distribution"
        }

        public init(features: [String: Histogram], rows: Int, predictionDistribution: PredictionDistribution? = nil) {
            self.features = features
            self.rows = rows
            self.predictionDistribution = predictionDistribution
        }
    }

    /// A JSON scalar feature value in a sample row.
    public enum FeatureValue: Codable, Sendable, Equatable {
        case number(Double)
        case string(String)
        case null

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else { self = .string(try container.decode(String.self)) }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .number(let v): try container.encode(v)
            case .string(let s): try container.encode(s)
            case .null: try container.encodeNil()
            }
        }
    }

    /// A class label: an integer or a string.
    public enum Label: Codable, Sendable, Equatable, CustomStringConvertible {
        case int(Int64)
        case string(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int64.self) { self = .int(value) }
            else { self = .string(try container.decode(String.self)) }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .int(let v): try container.encode(v)
            case .string(let s): try container.encode(s)
            }
        }

        public var description: String {
            switch self {
            case .int(let v): String(v)
            case .string(let s): s
            }
        }
    }

    /// An example row with the expected prediction.
    public struct Sample: Codable, Sendable, Equatable {
        public var features: [FeatureValue]
        public var label: Label?
        public var scores: [Double]?

        public init(features: [FeatureValue], label: Label? = nil, scores: [Double]? = nil) {
            self.features = features
            self.label = label
            self.scores = scores
        }
    }

    public var name: String
    public var version: String
    public var description: String?
    public var task: String?
    public var framework: String?
    public var inputs: [Input]
    public var outputs: Outputs
    public var classes: [String]?
    public var metrics: [String: Double]?
    public var baseline: Baseline?
    public var samples: [Sample]?

    public init(name: String, version: String, description: String? = nil, task: String? = nil,
                framework: String? = nil, inputs: [Input], outputs: Outputs, classes: [String]? = nil,
                metrics: [String: Double]? = nil, baseline: Baseline? = nil, samples: [Sample]? = nil) {
        self.name = name
        self.version = version
        self.description = description
        self.task = task
        self.framework = framework
        self.inputs = inputs
        self.outputs = outputs
        self.classes = classes
        self.metrics = metrics
        self.baseline = baseline
        self.samples = samples
    }

    enum CodingKeys: String, CodingKey {
        case name, version, description, task, framework, inputs, outputs, classes, metrics, baseline, samples
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        // Versions are directory names; accept a JSON number too.
        if let text = try? c.decode(String.self, forKey: .version) {
            version = text
        } else if let number = try? c.decode(Int.self, forKey: .version) {
            version = String(number)
        } else {
            version = ""
        }
        description = try c.decodeIfPresent(String.self, forKey: .description)
        task = try c.decodeIfPresent(String.self, forKey: .task)
        framework = try c.decodeIfPresent(String.self, forKey: .framework)
        inputs = try c.decode([Input].self, forKey: .inputs)
        outputs = try c.decodeIfPresent(Outputs.self, forKey: .outputs) ?? Outputs()
        classes = try c.decodeIfPresent([String].self, forKey: .classes)
        metrics = try c.decodeIfPresent([String: Double].self, forKey: .metrics)
        baseline = try c.decodeIfPresent(Baseline.self, forKey: .baseline)
        samples = try c.decodeIfPresent([Sample].self, forKey: .samples)
    }

    /// Every input feature, in card order (inputs in order, then each input's features).
    public var featureNames: [String] { inputs.flatMap(\.features) }

    /// The position of a feature in `featureNames`, or nil.
    public func featureIndex(named name: String) -> Int? { featureNames.firstIndex(of: name) }
}
