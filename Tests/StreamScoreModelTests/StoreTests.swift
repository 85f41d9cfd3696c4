import Foundation
import Testing
@testable import StreamScoreModel

@Suite("Store: model store, cards and scoring")
struct StoreTests {
    /// Inputs a [N,2] float, n [N,1] int64, s [N,1] string; outputs y = a*a, n and s passed through.
    static func mixedModel() -> [UInt8] {
        Onnx.model(Onnx.graph(
            nodes: [Onnx.node("Mul", inputs: ["a", "a"], outputs: ["y"], name: "square")],
            inputs: [Onnx.valueInfo("a", type: Onnx.float, dims: [nil, 2]),
                     Onnx.valueInfo("n", type: Onnx.int64, dims: [nil, 1]),
                     Onnx.valueInfo("s", type: Onnx.string, dims: [nil, 1])],
            outputs: [Onnx.valueInfo("y", type: Onnx.float, dims: [nil, 2]),
                      Onnx.valueInfo("n", type: Onnx.int64, dims: [nil, 1]),
                      Onnx.valueInfo("s", type: Onnx.string, dims: [nil, 1])]))
    }

    static func mixedCard(label: String = "s", name: String = "mixed", version: String = "1") -> String {
        """
        {"name": "\(name)", "version": "\(version)", "task": "classification", "unknown_key": [1, 2],
         "inputs": [{"name": "s", "type": "string", "features": ["colour"]},
                    {"name": "a", "type": "float32", "features": ["f1", "f2"]},
                    {"name": "n", "type": "int64", "features": ["count"]}],
         "outputs": {"label": "\(label)", "scores": "y"},
         "metrics": {"accuracy": 0.5}}
        """
    }

    /// A temporary store directory, removed by the caller.
    static func makeStore(_ layout: [(name: String, version: String, card: Bool)]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        for entry in layout {
            let dir = "\(root)/\(entry.name)/\(entry.version)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(mixedModel()).write(to: URL(fileURLWithPath: "\(dir)/model.onnx"))
            if entry.card {
                try Data(mixedCard(name: entry.name, version: entry.version).utf8).write(to: URL(fileURLWithPath: "\(dir)/card.json"))
            }
        }
        return root
    }

    @Test func listsCompleteVersionsSortedNumerically() throws {
        let root = try Self.makeStore([("alpha", "2", true), ("alpha", "10", true), ("alpha", "1", true),
                                       ("alpha", "11", false), ("beta", "1.2", true), ("beta", "1.10", true),
                                       ("gamma", "1", false)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ModelStore(directory: root)
        #expect(try store.list() == ["alpha": ["1", "2", "10"], "beta": ["1.2", "1.10"]])
        #expect(try store.latestVersion(of: "alpha") == "10")
        #expect(try store.latestVersion(of: "gamma") == nil)
        #expect(try store.latestVersion(of: "missing") == nil)
    }

    @Test func loadsLatestOrRequestedVersion() throws {
        let root = try Self.makeStore([("alpha", "2", true), ("alpha", "10", true)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ModelStore(directory: root)
        let latest = try store.load(name: "alpha", registry: RuntimeTestKernels.registry)
        #expect(latest.card.version == "10")
        #expect(latest.directory == "\(root)/alpha/10")
        let second = try store.load(name: "alpha", version: "2", registry: RuntimeTestKernels.registry)
        #expect(second.card.version == "2")
        #expect(throws: ModelError.self) { try store.load(name: "alpha", version: "3", registry: RuntimeTestKernels.registry) }
        #expect(throws: ModelError.store("model 'nobody' has no complete version in '\(root)'")) {
            try store.load(name: "nobody", registry: RuntimeTestKernels.registry)
        }
        #expect(throws: ModelError.self) { try store.load(name: "../alpha", registry: RuntimeTestKernels.registry) }
    }

    @Test func versionOrdering() {
        #expect(ModelStore.versionPrecedes("2", "10"))
        #expect(!ModelStore.versionPrecedes("10", "2"))
        #expect(ModelStore.versionPrecedes("1.9", "1.10"))
        #expect(ModelStore.versionPrecedes("1", "1.0"))
        #expect(ModelStore.versionPrecedes("9", "a"))
    }

    @Test func scoresMixedInputsInCardOrder() throws {
        let runtime = try ModelRuntime(bytes: Self.mixedModel(), registry: RuntimeTestKernels.registry)
        let card = try JSONDecoder().decode(ModelCard.self, from: Data(Self.mixedCard().utf8))
        #expect(card.featureNames == ["colour", "f1", "f2", "count"])
        #expect(card.featureIndex(named: "count") == 3)
        #expect(card.featureIndex(named: "nope") == nil)
        let model = try LoadedModel(card: card, runtime: runtime, directory: "/tmp")
        // Columns: colour (string, ignored in numbers), f1, f2, count.
        let batch = FeatureBatch(rowCount: 2, featureCount: 4, numbers: [.nan, 1, 2, 7, .nan, 3, -4, 9],
                                 strings: [0: ["red", "blue"]])
        let result = try model.score(batch)
        #expect(result.labels == .string(["red", "blue"]))
        #expect(result.scores == [1, 4, 9, 16])
        #expect(result.scoreWidth == 2)

        let byCount = try LoadedModel(card: try JSONDecoder().decode(ModelCard.self, from: Data(Self.mixedCard(label: "n").utf8)),
                                      runtime: runtime, directory: "/tmp")
        #expect(try byCount.score(batch).labels == .int64([7, 9]))
    }

    @Test func scoringRejectsBadBatches() throws {
        let runtime = try ModelRuntime(bytes: Self.mixedModel(), registry: RuntimeTestKernels.registry)
        let model = try LoadedModel(card: try JSONDecoder().decode(ModelCard.self, from: Data(Self.mixedCard().utf8)),
                                    runtime: runtime, directory: "/tmp")
        #expect(throws: ModelError.invalidInput("batch has 3 features, the model expects 4")) {
            try model.score(FeatureBatch(rowCount: 1, featureCount: 3, numbers: [1, 2, 3]))
        }
        #expect(throws: ModelError.invalidInput("string feature 'colour' needs 1 values in the batch")) {
            try model.score(FeatureBatch(rowCount: 1, featureCount: 4, numbers: [0, 1, 2, 3]))
        }
        #expect(throws: ModelError.self) {
            try model.score(FeatureBatch(rowCount: 1, featureCount: 4, numbers: [0, 1, 2, .nan], strings: [0: ["x"]]))
        }
    }

    @Test func cardMustMatchTheGraph() throws {
        let runtime = try ModelRuntime(bytes: Self.mixedModel(), registry: RuntimeTestKernels.registry)
        func card(_ json: String) throws -> ModelCard { try JSONDecoder().decode(ModelCard.self, from: Data(json.utf8)) }
        let wrongType = try card(Self.mixedCard().replacingOccurrences(of: #""type": "int64""#, with: #""type": "float32""#))
        #expect(throws: ModelError.store("card input 'n' has type float32 but the graph declares int64")) {
            try LoadedModel(card: wrongType, runtime: runtime, directory: "/tmp")
        }
        let wrongWidth = try card(Self.mixedCard().replacingOccurrences(of: #"["f1", "f2"]"#, with: #"["f1"]"#))
        #expect(throws: ModelError.store("graph input 'a' has 2 columns but the card lists 1 features")) {
            try LoadedModel(card: wrongWidth, runtime: runtime, directory: "/tmp")
        }
        let wrongOutput = try card(Self.mixedCard(label: "nope"))
        #expect(throws: ModelError.store("card label output 'nope' is not a graph output (graph outputs: 'y', 'n', 's')")) {
            try LoadedModel(card: wrongOutput, runtime: runtime, directory: "/tmp")
        }
    }

    @Test func bareModelFileGetsASynthesisedCard() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bare-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(Self.mixedModel()).write(to: URL(fileURLWithPath: "\(dir)/thing.onnx"))
        let model = try LoadedModel.load(path: "\(dir)/thing.onnx", registry: RuntimeTestKernels.registry)
        #expect(model.card.name == "thing")
        #expect(model.card.featureNames == ["a_0", "a_1", "n", "s"])
        #expect(model.card.inputs.map(\.type) == ["float32", "int64", "string"])
        #expect(model.card.outputs == ModelCard.Outputs(label: "n", scores: "y"))
    }

    @Test func decodesTheIrisCard() throws {
        let card = try LoadedModel.readCard(at: Fixtures.path("Models/iris/1/card.json"))
        #expect(card.name == "iris")
        #expect(card.version == "1")
        #expect(card.featureNames == ["sepal_length", "sepal_width", "petal_length", "petal_width"])
        #expect(card.inputs.map(\.name) == ["float_input"])
        #expect(card.outputs == ModelCard.Outputs(label: "label", scores: "probabilities"))
        #expect(card.classes == ["setosa", "versicolor", "virginica"])
        let baseline = try #require(card.baseline)
        #expect(baseline.rows > 0)
        for name in card.featureNames {
            let histogram = try #require(baseline.features[name], "\(name)")
            #expect(histogram.edges.count == histogram.fractions.count + 1)
            #expect(abs(histogram.fractions.reduce(0, +) - 1) < 1e-6)
        }
        let samples = try #require(card.samples)
        #expect(!samples.isEmpty)
        #expect(samples.allSatisfy { $0.features.count == 4 })
    }

    @Test func invalidCardIsReportedWithItsPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"{"name": "x", "version": "1"}"#.utf8).write(to: URL(fileURLWithPath: "\(dir)/card.json"))
        #expect(throws: ModelError.store("invalid card '\(dir)/card.json': missing key 'inputs' at top level")) {
            try LoadedModel.readCard(at: "\(dir)/card.json")
        }
    }

    @Test func irisScoresGiveTheFixtureLabels() throws {
        let model = try LoadedModel.load(directory: Fixtures.path("Models/iris/1"))
        let fixture = try Fixtures.load("iris/1")
        let input = try #require(fixture.inputs["float_input"])
        guard case .float32(let numbers) = input.data,
              case .tensor(_, .int64(let labels))? = fixture.outputs["label"],
              case .tensor(_, .float32(let probabilities))? = fixture.outputs["probabilities"] else {
            Issue.record("unexpected iris fixture layout")
            return
        }
        let batch = FeatureBatch(rowCount: input.shape[0], featureCount: 4, numbers: numbers)
        let result = try model.score(batch)
        #expect(result.labels == .int64(labels))
        #expect(result.scoreWidth == 3)
        #expect(zip(result.scores, probabilities).allSatisfy { Fixtures.close(Double($0), Double($1)) })
        let fast = try numbers.withUnsafeBufferPointer { try model.score(rows: $0, rowCount: input.shape[0]) }
        #expect(fast.labels == .int64(labels))
        #expect(zip(fast.scores, result.scores).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }
}
