import ArgumentParser
import Foundation
import StreamScoreModel

/// `streamscore bench model --model PATH`: single-threaded scoring throughput per batch size.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Measure single-threaded scoring throughput of a model at several batch sizes.",
        discussion: """
        Inputs are random with a fixed seed: uniform over the card baseline's range per feature \
        when the model has a card, else standard normal. Each batch size gets a few warm-up calls, \
        then repeated calls for --seconds. Prints a table, then one JSON line per batch size: \
        {"model", "batch", "rows_per_s", "us_per_call"}. Progress goes to stderr.
        """
    )

    @Option(name: .long, help: "An .onnx file or a model directory.")
    var model: String

    @Option(name: .long, help: "Comma-separated batch sizes.")
    var batch: String = "1,16,256,4096"

    @Option(name: .long, help: "Seconds to measure each batch size.")
    var seconds: Double = 1

    func validate() throws {
        guard !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--batch must be a comma-separated list of positive integers")
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    var batchSizes: [Int] { batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        try ModelCommandSupport.exitingOnModelError { () throws(ModelError) in
            let loaded = try LoadedModel.load(path: model)
            let name = loaded.card.name
            var results: [ModelBenchmark.Result] = []
            for size in batchSizes {
                ModelCommandSupport.writeError("bench model \(name): batch \(size) for \(seconds) s…")
                let input = ModelBenchmark.randomBatch(for: loaded, rows: size)
                results.append(try ModelBenchmark.measure(loaded, batch: input, seconds: seconds))
            }
            ModelCommandSupport.writeOut(pad("batch", 8) + pad("rows/s", 16) + pad("µs/call", 12))
            for r in results {
                ModelCommandSupport.writeOut(pad(String(r.batch), 8) + pad(String(format: "%.0f", r.rowsPerSecond), 16)
                                             + pad(String(format: "%.2f", r.microsecondsPerCall), 12))
            }
            for r in results {
                ModelCommandSupport.writeOut(
                    #"{"model": \#(OutputWriter.quoted(name)), "batch": \#(r.batch), "rows_per_s": \#(String(format: "%.1f", r.rowsPerSecond)), "us_per_call": \#(String(format: "%.3f", r.microsecondsPerCall))}"#)
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : String(repeating: " ", count: width - text.count) + text
    }
}
