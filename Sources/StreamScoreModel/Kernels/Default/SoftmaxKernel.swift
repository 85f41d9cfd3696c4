extension DefaultKernels {
    /// Softmax / LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1)
    /// and normalised over each row of `[d0*...*d(axis-1), d(axis)*...*dn]`; from 13 it is
    /// normalised along the single `axis` (default -1).
    struct SoftmaxKernel: Kernel {
        let context: NodeContext
        let axis: Int
        let coerceTo2D: Bool
        let logarithmic: Bool

        init(_ node: NodeInfo, logarithmic: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            coerceTo2D = node.opsetVersion < 13
            axis = try attributes.int("axis", default: coerceTo2D ? 1 : -1)
            self.logarithmic = logarithmic
        }

        struct Normaliser: FloatingVisitor {
            typealias Output = TensorData
            let layout: AxisLayout
            let logarithmic: Bool

            func visit<F: FloatingType>(_ type: F.Type, _ values: [F.Scalar]) throws(ModelError) -> TensorData {
                let outer = layout.outer, length = layout.axis, inner = layout.inner
                let logarithmic = logarithmic
                let result = values.withUnsafeBufferPointer { source in
                    makeArray(count: values.count) { (out: UnsafeMutablePointer<F.Scalar>) in
                        let input = address(source)
                        for row in 0..<outer {
                            for column in 0..<inner {
                                let offset = row * length * inner + column
                                let x = input + offset, y = out + offset
                                var largest = F.lowest
                                for step in 0..<length { largest = F.maximum(largest, x[step * inner]) }
                                var sum = F.zero
                                for step in 0..<length {
                                    let e = F.exp(x[step * inner] - largest)
                                    (y + step * inner).initialize(to: e)
                                    sum += e
                                }
                                if logarithmic {
                                    let logSum = F.log(sum)
                                    for step in 0..<length { y[step * inner] = (x[step * inner] - largest) - logSum }
                                } else {
                                    for step in 0..<length { y[step * inner] = y[step * inner] / sum }
                                }
                            }
                        }
                    }
                }
                return F.wrap(result)
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let rank = data.rank
            let layout: AxisLayout
            if rank == 0 {
                layout = AxisLayout(outer: 1, axis: 1, inner: 1)
            } else if coerceTo2D {
                let resolved = axis < 0 ? axis + rank : axis
                guard resolved >= 0, resolved <= rank else { throw context.failure("axis \(axis) is out of range for rank \(rank)") }
                layout = AxisLayout(outer: elementCount(data.shape.prefix(resolved)), axis: elementCount(data.shape.dropFirst(resolved)), inner: 1)
            } else {
                layout = AxisLayout(shape: data.shape, axis: try normalizedAxis(axis, rank: rank, context.failure))
            }
            let result = try visitFloating(data.data, Normaliser(layout: layout, logarithmic: logarithmic),
                                           unsupported: context.failure("unsupported element type \(data.elementType)"))
            return [.tensor(Tensor(shape: data.shape, data: result))]
        }
    }

    /// Registers Softmax and LogSoftmax (1, 11: coerced to 2-D; 13+: along one axis).
    static func registerSoftmaxKernels(into registry: inout KernelRegistry) {
        for (op, logarithmic) in [("Softmax", false), ("LogSoftmax", true)] {
            registry.register(op, versions: 1...12) { node throws(ModelError) in try SoftmaxKernel(node, logarithmic: logarithmic) }
            registry.register(op, versions: 13...21) { node throws(ModelError) in try SoftmaxKernel(node, logarithmic: logarithmic) }
        }
    }
}
