import ArgumentParser
import Foundation
import StreamScoreModel

/// `streamscore inspect --model PATH`: describes a model without running it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model's producer, opsets, inputs, outputs, operator counts and card."
    )

    @Option(name: .long, help: "An .onnx file or a model directory containing model.onnx (and card.json).")
    var model: String

    func run() throws {
        try ModelCommandSupport.exitingOnModelError { () throws(ModelError) in
            let runtime = try ModelRuntime.load(contentsOf: ModelCommandSupport.modelFile(model))
            let card = ModelCommandSupport.cardFile(model).flatMap { FileManager.default.contents(atPath: $0) }
            ModelCommandSupport.writeOut("model: \(ModelCommandSupport.modelFile(model))")
            ModelCommandSupport.writeOut(ModelReport.inspect(runtime, cardJSON: card.map { String(decoding: $0, as: UTF8.self) }))
        }
    }
}
