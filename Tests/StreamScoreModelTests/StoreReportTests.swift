import Testing
@testable import StreamScoreModel

@Suite("Store: inspect report and benchmark inputs")
struct StoreReportTests {
    @Test func inspectListsEverything() throws {
        let runtime = try RuntimeTests.twoOutputModel()
        let report = ModelReport.inspect(runtime, cardJSON: "{\"name\": \"x\"}\n")
        #expect(report == """
            producer: unit 2
            opsets: ai.onnx 17, ai.onnx.ml 3
            inputs:
              X  tensor(float32)[?,2]
            outputs:
              Y  tensor(float32)[?,2]
              Z  tensor(float32)[?,2]
            ops:
              ai.onnx:Add  1
              ai.onnx:Mul  1
              ai.onnx:Sub  1
            card:
            {"name": "x"}
            """)
        #expect(ModelReport.inspect(runtime).hasSuffix("card: none"))
    }

    @Test func benchmarkInputsFollowTheBaselineAndAreDeterministic() throws {
        let model = try LoadedModel.load(directory: Fixtures.path("Models/iris/1"))
        let a = ModelBenchmark.randomBatch(for: model, rows: 200, seed: 7)
        let b = ModelBenchmark.randomBatch(for: model, rows: 200, seed: 7)
        let c = ModelBenchmark.randomBatch(for: model, rows: 200, seed: 8)
        #expect(a.numbers == b.numbers)
        #expect(a.numbers != c.numbers)
        #expect(a.rowCount == 200 && a.featureCount == 4 && a.numbers.count == 800)
        let baseline = try #require(model.card.baseline)
        for (column, name) in model.card.featureNames.enumerated() {
            let edges = try #require(baseline.features[name]?.edges)
            let values = (0..<200).map { Double(a.numbers[$0 * 4 + column]) }
            #expect(values.allSatisfy { $0 >= edges.first! - 1e-6 && $0 <= edges.last! + 1e-6 }, "\(name)")
            // Uniform over the range: both halves get a fair share.
            let middle = (edges.first! + edges.last!) / 2
            #expect(values.filter { $0 < middle }.count > 60, "\(name)")
        }
    }

    @Test func benchmarkStringFeaturesUseBaselineCategories() throws {
        let model = try LoadedModel.load(directory: Fixtures.path("Models/zoo/coltransformer_logreg"))
        let batch = ModelBenchmark.randomBatch(for: model, rows: 100)
        let column = try #require(model.card.featureIndex(named: "color"))
        #expect(model.stringFeatureColumns == [column])
        let categories = Set(try #require(model.card.baseline?.features["color"]?.categories).keys)
        let drawn = try #require(batch.strings[column])
        #expect(drawn.count == 100)
        #expect(Set(drawn).isSubset(of: categories) && Set(drawn).count > 1)
        let result = try ModelBenchmark.measure(model, batch: batch, seconds: 0.01, warmupCalls: 1)
        #expect(result.calls >= 8 && result.batch == 100 && result.rowsPerSecond > 0)
    }
}
