extension DefaultKernels {
    /// Clip to `[min, max]`: attributes in opsets 1-10 (floats, default unbounded), optional
    /// scalar inputs from 11 (integers from 12). A NaN input stays NaN; min > max gives max.
    struct ClipKernel: Kernel {
        let context: NodeContext
        /// Bounds from attributes (opset < 11).
        let attributeBounds: (min: Float, max: Float)?

        init(_ node: NodeInfo, boundsFromInputs: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            if boundsFromInputs {
                attributeBounds = nil
            } else {
                attributeBounds = (try attributes.float("min", default: -Float.greatestFiniteMagnitude),
                                   try attributes.float("max", default: Float.greatestFiniteMagnitude))
            }
        }

        struct Clipper: NumericVisitor {
            typealias Output = TensorData
            let lower: Tensor?
            let upper: Tensor?
            let attributeBounds: (min: Float, max: Float)?
            let context: NodeContext

            func bound<N: NumericType>(_ type: N.Type, _ tensor: Tensor?, default fallback: N.Scalar) throws(ModelError) -> N.Scalar {
                guard let tensor else { return fallback }
                guard let values = N.unwrap(tensor.data), values.count == 1 else {
                    throw context.failure("min and max must be single \(N.elementType) values")
                }
                return values[0]
            }

            func visit<N: NumericType>(_ type: N.Type, _ values: [N.Scalar]) throws(ModelError) -> TensorData {
                let low: N.Scalar, high: N.Scalar
                if let attributeBounds {
                    // Saturate, so the unbounded defaults (±FLT_MAX) mean "no bound" for any type.
                    let min = Double(attributeBounds.min), max = Double(attributeBounds.max)
                    low = min <= N.toDouble(N.lowest) ? N.lowest : N.fromDouble(min)
                    high = max >= N.toDouble(N.highest) ? N.highest : N.fromDouble(max)
                } else {
                    low = try bound(N.self, lower, default: N.lowest)
                    high = try bound(N.self, upper, default: N.highest)
                }
                return N.wrap(mapElements(values) { x in
                    let raised = x < low ? low : x
                    return raised > high ? high : raised
                })
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let lower = attributeBounds == nil ? try optionalTensorInput(inputs, 1, context) : nil
            let upper = attributeBounds == nil ? try optionalTensorInput(inputs, 2, context) : nil
            let clipper = Clipper(lower: lower, upper: upper, attributeBounds: attributeBounds, context: context)
            let result = try visitNumeric(data.data, clipper, unsupported: context.failure("unsupported element type \(data.elementType)"))
            return [.tensor(Tensor(shape: data.shape, data: result))]
        }
    }

    /// Registers Clip (1-10: min/max attributes; 11+: optional inputs, integers from 12).
    static func registerClipKernel(into registry: inout KernelRegistry) {
        registry.register("Clip", versions: 1...10) { node throws(ModelError) in try ClipKernel(node, boundsFromInputs: false) }
        registry.register("Clip", versions: 11...21) { node throws(ModelError) in try ClipKernel(node, boundsFromInputs: true) }
    }
}
