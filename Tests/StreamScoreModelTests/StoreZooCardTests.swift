import Foundation
import Testing
@testable import StreamScoreModel

/// Every reference model directory loads with its card, and the card's sample rows score to
/// the labels (and scores) recorded in the card.
@Suite("Store: zoo cards and samples")
struct StoreZooCardTests {
    @Test("card loads and samples score", arguments: Fixtures.directories)
    func cardSamplesScore(_ directory: String) throws {
        let model = try LoadedModel.load(directory: Fixtures.path("Models/\(directory)"))
        let card = model.card
        #expect(card.featureNames.count == Set(card.featureNames).count, "\(directory): duplicate feature names")
        let samples = card.samples ?? []
        guard !samples.isEmpty else { return }
        let width = card.featureNames.count
        var numbers = [Float](repeating: .nan, count: samples.count * width)
        var strings: [Int: [String]] = [:]
        for (r, sample) in samples.enumerated() {
            #expect(sample.features.count == width, "\(directory): sample \(r) has \(sample.features.count) features")
            for (c, feature) in sample.features.prefix(width).enumerated() {
                switch feature {
                case .number(let v): numbers[r * width + c] = Float(v)
                case .null: numbers[r * width + c] = .nan
                case .string(let s): strings[c, default: Array(repeating: "", count: samples.count)][r] = s
                }
            }
        }
        let result = try model.score(FeatureBatch(rowCount: samples.count, featureCount: width, numbers: numbers, strings: strings))
        for (r, sample) in samples.enumerated() {
            if let label = sample.label {
                let actual: String? = switch result.labels {
                case .none: nil
                case .int64(let v): String(v[r])
                case .string(let v): v[r]
                }
                #expect(actual == label.description, "\(directory): sample \(r) label")
            }
            if let scores = sample.scores, result.scoreWidth == scores.count {
                for (k, expected) in scores.enumerated() {
                    let value = Double(result.scores[r * result.scoreWidth + k])
                    #expect(Fixtures.close(value, expected) || abs(value - expected) < 1e-4,
                            "\(directory): sample \(r) score \(k): expected \(expected), actual \(value)")
                }
            }
        }
    }
}
