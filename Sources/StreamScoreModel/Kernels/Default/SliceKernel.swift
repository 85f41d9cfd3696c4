extension DefaultKernels {
    /// Slice. Opsets 1-9 take `starts`, `ends`, `axes` attributes; 10+ take them (and `steps`)
    /// as inputs. Negative starts/ends count from the end; values are clamped to the axis.
    struct SliceKernel: Kernel {
        let context: NodeContext
        let attributeStarts: [Int]?
        let attributeEnds: [Int]?
        let attributeAxes: [Int]?

        init(_ node: NodeInfo, fromAttributes: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            if fromAttributes {
                guard let starts = try attributes.ints("starts"), let ends = try attributes.ints("ends") else {
                    throw context.invalid("missing attribute 'starts' or 'ends'")
                }
                attributeStarts = starts
                attributeEnds = ends
                attributeAxes = try attributes.ints("axes")
            } else {
                attributeStarts = nil
                attributeEnds = nil
                attributeAxes = nil
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let starts: [Int], ends: [Int]
            var axes: [Int]?, steps: [Int]?
            if let attributeStarts, let attributeEnds {
                starts = attributeStarts
                ends = attributeEnds
                axes = attributeAxes
            } else {
                starts = try integers(try tensorInput(inputs, 1, context), "starts", context.failure)
                ends = try integers(try tensorInput(inputs, 2, context), "ends", context.failure)
                if let tensor = try optionalTensorInput(inputs, 3, context) { axes = try integers(tensor, "axes", context.failure) }
                if let tensor = try optionalTensorInput(inputs, 4, context) { steps = try integers(tensor, "steps", context.failure) }
            }
            guard starts.count == ends.count, axes.map({ $0.count == starts.count }) ?? true,
                  steps.map({ $0.count == starts.count }) ?? true else {
                throw context.failure("starts, ends, axes and steps must have the same length")
            }
            let rank = data.rank
            let resolvedAxes = try normalizedAxes(axes ?? Array(0..<starts.count), rank: rank, context.failure)
            var shape = data.shape
            var first = [Int](repeating: 0, count: rank)
            var step = [Int](repeating: 1, count: rank)
            for (index, axis) in resolvedAxes.enumerated() {
                let dim = data.shape[axis]
                let stepValue = steps?[index] ?? 1
                guard stepValue != 0 else { throw context.failure("slice step cannot be 0") }
                var start = starts[index], end = ends[index]
                if start < 0 { start += dim }
                if end < 0 { end += dim }
                if stepValue > 0 {
                    start = min(max(start, 0), dim)
                    end = min(max(end, 0), dim)
                    shape[axis] = end > start ? (end - start + stepValue - 1) / stepValue : 0
                } else {
                    start = min(max(start, 0), dim - 1)
                    end = min(max(end, -1), dim - 1)
                    shape[axis] = start > end ? (start - end - stepValue - 1) / -stepValue : 0
                }
                first[axis] = start
                step[axis] = stepValue
            }
            let inputStrides = rowMajorStrides(data.shape)
            var base = 0
            for axis in 0..<rank where shape[axis] > 0 { base += first[axis] * inputStrides[axis] }
            let strides = (0..<rank).map { inputStrides[$0] * step[$0] }
            let result = try visitStorage(data.data, StridedCopier(base: base, shape: shape, strides: strides))
            return [.tensor(Tensor(shape: shape, data: result))]
        }
    }

    /// Registers Slice (1-9: attributes; 10+: inputs with steps).
    static func registerSliceKernel(into registry: inout KernelRegistry) {
        registry.register("Slice", versions: 1...9) { node throws(ModelError) in try SliceKernel(node, fromAttributes: true) }
        registry.register("Slice", versions: 10...21) { node throws(ModelError) in try SliceKernel(node, fromAttributes: false) }
    }
}
