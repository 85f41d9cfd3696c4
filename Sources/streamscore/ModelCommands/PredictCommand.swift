import ArgumentParser
import Foundation
import StreamScoreModel

/// `streamscore predict --model PATH --feed FEED.json`: runs a model once on a JSON feed.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a model on inputs from a JSON feed file and print its outputs as JSON.",
        discussion: """
        FEED.json is {"inputs": {"<input name>": <nested array>}}; the nesting gives the shape and \
        the graph input's declared type gives the element type. In float inputs null means NaN, \
        and "NaN", "Infinity", "-Infinity" are accepted too.

        Prints {"outputs": {"<output name>": <nested array>}} in graph output order; a ZipMap \
        output is a list of objects with string keys. Floats are printed in shortest round-trip \
        form; NaN and infinities are printed as the JSON strings "NaN", "Infinity", "-Infinity".

        Bad inputs (unknown name, ragged nesting, wrong type or shape) and load errors are \
        reported on stderr with exit code 2.
        """
    )

    @Option(name: .long, help: "An .onnx file or a model directory containing model.onnx.")
    var model: String

    @Option(name: .long, help: "The JSON feed file.")
    var feed: String

    func run() throws {
        try ModelCommandSupport.exitingOnModelError { () throws(ModelError) in
            let runtime = try ModelRuntime.load(contentsOf: ModelCommandSupport.modelFile(model))
            guard let data = FileManager.default.contents(atPath: feed) else {
                throw .invalidInput("cannot read feed file '\(feed)'")
            }
            let feeds = try FeedFile.parse(data: [UInt8](data), graphInputs: runtime.inputs)
            let outputs = try runtime.run(feeds)
            ModelCommandSupport.writeOut(OutputWriter.json(outputs: outputs, order: runtime.outputs.map(\.name)))
        }
    }
}
