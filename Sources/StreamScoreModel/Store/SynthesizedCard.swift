extension ModelCard {
    /// A card for a bare .onnx file, derived from the graph:
    /// - each tensor input becomes a card input; an `[N, F]` input with fixed F gets features
    ///   "<input>_0" … "<input>_<F-1>" (a single column is named after the input itself);
    /// - the label output is the first int64/string tensor output, the scores output the first
    ///   other sequence-of-maps or float tensor output.
    public static func synthesized(name: String, runtime: ModelRuntime) -> ModelCard {
        var inputs: [Input] = []
        for input in runtime.inputs {
            guard case .tensor(let element, let shape) = input.type else { continue }
            let width = shape.flatMap { $0.count == 2 ? $0[1] : ($0.count == 1 ? 1 : nil) } ?? 1
            let features = width == 1 ? [input.name] : (0..<width).map { "\(input.name)_\($0)" }
            inputs.append(Input(name: input.name, type: element.rawValue, features: features))
        }
        var label: String?
        var scores: String?
        for output in runtime.outputs {
            switch output.type {
            case .tensor(.int64, _), .tensor(.string, _), .tensor(.int32, _):
                if label == nil { label = output.name }
            case .mapSequence, .tensor(.float32, _), .tensor(.float64, _):
                if scores == nil { scores = output.name }
            default: break
            }
        }
        return ModelCard(name: name, version: "", description: "synthesised from the ONNX graph (no card.json)",
                         framework: runtime.producer.isEmpty ? nil : runtime.producer,
                         inputs: inputs, outputs: Outputs(label: label, scores: scores))
    }
}
