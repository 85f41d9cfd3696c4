import Foundation

/// A model ready for scoring: its card, its compiled runtime and where it was loaded from.
///
/// `score` maps the card's features onto the graph inputs and reads the label and score
/// outputs the card names. Everything that can be checked against the graph is checked at load.
public final class LoadedModel: Sendable {
    public let card: ModelCard
    public let runtime: ModelRuntime
    /// The model directory, or the .onnx file's directory for a bare model file.
    public let directory: String

    /// How one card input is assembled from feature columns.
    struct InputPlan: Sendable {
        let name: String
        /// First column in the feature batch; the input's columns are contiguous.
        let firstColumn: Int
        let columnCount: Int
        let elementType: ElementType
        /// Declared rank 1 (`[N]`): fed without a column dimension.
        let flat: Bool
    }

    /// Card inputs in graph-input order.
    let inputPlans: [InputPlan]
    let labelOutput: Int?
    let scoresOutput: Int?
    /// True when the model has a single float32 input covering every feature in order.
    let singleFloatInput: Bool
    /// Feature indices (in `card.featureNames`) whose values are strings, supplied through
    /// `FeatureBatch.strings`; all other features go in `FeatureBatch.numbers`.
    public let stringFeatureColumns: Set<Int>

    /// Pairs a card with a runtime, checking that the card's inputs and outputs match the graph.
    public init(card: ModelCard, runtime: ModelRuntime, directory: String) throws(ModelError) {
        self.card = card
        self.runtime = runtime
        self.directory = directory
        var plans: [InputPlan?] = Array(repeating: nil, count: runtime.inputs.count)
        var column = 0
        for input in card.inputs {
            guard let position = runtime.inputs.firstIndex(where: { $0.name == input.name }) else {
                let names = runtime.inputs.map { "'\($0.name)'" }.joined(separator: ", ")
                throw .store("card input '\(input.name)' is not a graph input (graph inputs: \(names))")
            }
            guard plans[position] == nil else { throw .store("card lists input '\(input.name)' twice") }
            guard case .tensor(let element, let shape) = runtime.inputs[position].type else {
                throw .store("graph input '\(input.name)' is not a tensor")
            }
            guard element.rawValue == input.type || (input.type == "float" && element == .float32)
                    || (input.type == "double" && element == .float64) else {
                throw .store("card input '\(input.name)' has type \(input.type) but the graph declares \(element.rawValue)")
            }
            guard [.float32, .float64, .int64, .int32, .string].contains(element) else {
                throw .store("card input '\(input.name)' has unsupported type \(element.rawValue)")
            }
            guard !input.features.isEmpty else { throw .store("card input '\(input.name)' lists no features") }
            var flat = false
            if let shape {
                if shape.count == 1 {
                    flat = true
                    guard input.features.count == 1 else {
                        throw .store("graph input '\(input.name)' is one-dimensional but the card lists \(input.features.count) features")
                    }
                } else if shape.count == 2 {
                    if let width = shape[1], width != input.features.count {
                        throw .store("graph input '\(input.name)' has \(width) columns but the card lists \(input.features.count) features")
                    }
                } else {
                    throw .store("graph input '\(input.name)' has rank \(shape.count); only [N] and [N, F] inputs can be scored")
                }
            }
            plans[position] = InputPlan(name: input.name, firstColumn: column, columnCount: input.features.count,
                                        elementType: element, flat: flat)
            column += input.features.count
        }
        var complete: [InputPlan] = []
        for (i, plan) in plans.enumerated() {
            guard let plan else { throw .store("graph input '\(runtime.inputs[i].name)' is not described by the card") }
            complete.append(plan)
        }
        inputPlans = complete
        var stringColumns = Set<Int>()
        for plan in complete where plan.elementType == .string {
            stringColumns.formUnion(plan.firstColumn..<(plan.firstColumn + plan.columnCount))
        }
        stringFeatureColumns = stringColumns
        singleFloatInput = complete.count == 1 && complete[0].elementType == .float32 && !complete[0].flat

        func outputIndex(_ name: String?, role: String) throws(ModelError) -> Int? {
            guard let name else { return nil }
            guard let index = runtime.outputs.firstIndex(where: { $0.name == name }) else {
                let names = runtime.outputs.map { "'\($0.name)'" }.joined(separator: ", ")
                throw .store("card \(role) output '\(name)' is not a graph output (graph outputs: \(names))")
            }
            return index
        }
        labelOutput = try outputIndex(card.outputs.label, role: "label")
        scoresOutput = try outputIndex(card.outputs.scores, role: "scores")
    }

    // MARK: - Loading

    /// Loads `model.onnx` and `card.json` from a model version directory.
    public static func load(directory: String, registry: KernelRegistry = .standard) throws(ModelError) -> LoadedModel {
        let modelPath = (directory as NSString).appendingPathComponent("model.onnx")
        let cardPath = (directory as NSString).appendingPathComponent("card.json")
        let runtime = try ModelRuntime.load(contentsOf: modelPath, registry: registry)
        let card = try readCard(at: cardPath)
        return try LoadedModel(card: card, runtime: runtime, directory: directory)
    }

    /// Loads a bare .onnx file, with its directory's `card.json` when one exists there, else a
    /// card synthesised from the graph (see `ModelCard.synthesized`).
    public static func load(modelFile path: String, registry: KernelRegistry = .standard) throws(ModelError) -> LoadedModel {
        let runtime = try ModelRuntime.load(contentsOf: path, registry: registry)
        let directory = (path as NSString).deletingLastPathComponent
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try LoadedModel(card: ModelCard.synthesized(name: name, runtime: runtime), runtime: runtime,
                               directory: directory.isEmpty ? "." : directory)
    }

    /// Loads a model from a directory (with card) or a bare .onnx file (card synthesised).
    public static func load(path: String, registry: KernelRegistry = .standard) throws(ModelError) -> LoadedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .store("no model at '\(path)'")
        }
        if isDirectory.boolValue {
            let cardPath = (path as NSString).appendingPathComponent("card.json")
            if FileManager.default.fileExists(atPath: cardPath) { return try load(directory: path, registry: registry) }
            return try load(modelFile: (path as NSString).appendingPathComponent("model.onnx"), registry: registry)
        }
        return try load(modelFile: path, registry: registry)
    }

    /// Decodes a card file, reporting JSON problems as `.store`.
    public static func readCard(at path: String) throws(ModelError) -> ModelCard {
        guard let data = FileManager.default.contents(atPath: path) else { throw .store("cannot read card '\(path)'") }
        do {
            return try JSONDecoder().decode(ModelCard.self, from: data)
        } catch {
            throw .store("invalid card '\(path)': \(Self.describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)' at \(path(context).isEmpty ? "top level" : path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context).isEmpty ? "top level" : path(context))"
        @unknown default: return "\(error)"
        }
    }

    // MARK: - Scoring

    /// Scores a batch given in card feature order.
    public func score(_ batch: FeatureBatch) throws(ModelError) -> ScoreBatch {
        let featureCount = card.featureNames.count
        guard batch.featureCount == featureCount else {
            throw .invalidInput("batch has \(batch.featureCount) features, the model expects \(featureCount)")
        }
        guard batch.numbers.count == batch.rowCount * batch.featureCount else {
            throw .invalidInput("batch has \(batch.numbers.count) numbers for \(batch.rowCount) rows of \(batch.featureCount) features")
        }
        var feeds: [Value] = []
        feeds.reserveCapacity(inputPlans.count)
        for plan in inputPlans { feeds.append(.tensor(try tensor(for: plan, from: batch))) }
        return try scores(from: try runtime.run(feeds: feeds), rowCount: batch.rowCount)
    }

    /// Fast path for models with one float32 input of every feature: `rows` holds
    /// `rowCount × featureCount` values in card order.
    public func score(rows: UnsafeBufferPointer<Float>, rowCount: Int) throws(ModelError) -> ScoreBatch {
        let featureCount = card.featureNames.count
        guard rows.count == rowCount * featureCount else {
            throw .invalidInput("got \(rows.count) values for \(rowCount) rows of \(featureCount) features")
        }
        guard singleFloatInput else {
            return try score(FeatureBatch(rowCount: rowCount, featureCount: featureCount, numbers: Array(rows)))
        }
        let input = Tensor(shape: [rowCount, featureCount], float32: Array(rows))
        return try scores(from: try runtime.run(feeds: [.tensor(input)]), rowCount: rowCount)
    }

    private func tensor(for plan: InputPlan, from batch: FeatureBatch) throws(ModelError) -> Tensor {
        let rows = batch.rowCount
        let width = batch.featureCount
        let shape = plan.flat ? [rows] : [rows, plan.columnCount]
        let columns = plan.firstColumn..<(plan.firstColumn + plan.columnCount)
        if plan.elementType == .string {
            var values: [String] = []
            values.reserveCapacity(rows * plan.columnCount)
            var perColumn: [[String]] = []
            for c in columns {
                guard let strings = batch.strings[c], strings.count == rows else {
                    throw .invalidInput("string feature '\(card.featureNames[c])' needs \(rows) values in the batch")
                }
                perColumn.append(strings)
            }
            for r in 0..<rows { for column in perColumn { values.append(column[r]) } }
            return Tensor(shape: shape, string: values)
        }
        if plan.elementType == .float32 && plan.columnCount == width {
            return Tensor(shape: shape, float32: batch.numbers)
        }
        func gather<T>(_ convert: (Float) throws(ModelError) -> T) throws(ModelError) -> [T] {
            var values: [T] = []
            values.reserveCapacity(rows * plan.columnCount)
            try batch.numbers.withUnsafeBufferPointer { (numbers) throws(ModelError) in
                for r in 0..<rows {
                    let base = r * width
                    for c in columns { values.append(try convert(numbers[base + c])) }
                }
            }
            return values
        }
        switch plan.elementType {
        case .float32: return Tensor(shape: shape, float32: try gather { $0 })
        case .float64: return Tensor(shape: shape, float64: try gather { Double($0) })
        case .int64, .int32:
            let names = card.featureNames
            let values: [Int64] = try gather { (value: Float) throws(ModelError) -> Int64 in
                guard value.isFinite, abs(value) < 9.2e18 else {
                    throw .invalidInput("integer input '\(plan.name)' got \(value) (a feature of \(names[columns].joined(separator: ", ")))")
                }
                return Int64(value)
            }
            if plan.elementType == .int64 { return Tensor(shape: shape, int64: values) }
            return Tensor(shape: shape, int32: values.map { Int32(clamping: $0) })
        default:
            throw .invalidInput("input '\(plan.name)' has unsupported type \(plan.elementType.rawValue)")
        }
    }

    private func scores(from outputs: [Value], rowCount: Int) throws(ModelError) -> ScoreBatch {
        var labels = ScoreBatch.Labels.none
        if let labelOutput {
            let name = runtime.outputs[labelOutput].name
            guard case .tensor(let tensor) = outputs[labelOutput] else {
                throw .runtime(node: "", message: "label output '\(name)' is not a tensor")
            }
            switch tensor.data {
            case .int64(let v): labels = .int64(v)
            case .int32(let v): labels = .int64(v.map(Int64.init))
            case .string(let v): labels = .string(v)
            case .bool(let v): labels = .int64(v.map { $0 ? 1 : 0 })
            case .float32(let v): labels = .int64(v.map { Int64($0.isFinite ? $0 : 0) })
            case .float64(let v): labels = .int64(v.map { Int64($0.isFinite ? $0 : 0) })
            }
        }
        var scores: [Float] = []
        var width = 0
        var names: [String] = []
        if let scoresOutput {
            let name = runtime.outputs[scoresOutput].name
            switch outputs[scoresOutput] {
            case .mapSequence(let maps):
                scores = maps.values
                width = maps.keys.count
                switch maps.keys {
                case .int64(let keys): names = keys.map { String($0) }
                case .string(let keys): names = keys
                }
            case .tensor(let tensor):
                switch tensor.data {
                case .float32(let v): scores = v
                case .float64(let v): scores = v.map { Float($0) }
                case .int64(let v): scores = v.map { Float($0) }
                case .int32(let v): scores = v.map { Float($0) }
                default: throw .runtime(node: "", message: "score output '\(name)' has type \(tensor.elementType.rawValue)")
                }
                width = rowCount == 0 ? (tensor.shape.count > 1 ? tensor.shape.dropFirst().reduce(1, *) : 1)
                                      : scores.count / rowCount
            }
            guard width * rowCount == scores.count else {
                throw .runtime(node: "", message: "score output '\(name)' has \(scores.count) values for \(rowCount) rows")
            }
        }
        return ScoreBatch(rowCount: rowCount, labels: labels, scores: scores, scoreWidth: width, scoreNames: names)
    }
}
