extension DefaultKernels {
    /// Where: `condition ? X : Y` elementwise with three-way broadcasting, any element type.
    struct WhereKernel: Kernel {
        let context: NodeContext

        struct Selector: StorageVisitor {
            typealias Output = TensorData
            let condition: Tensor
            let x: Tensor
            let y: Tensor
            let shape: [Int]
            let context: NodeContext

            func visit<S: StorageType>(_ type: S.Type, _ xValues: [S.Scalar]) throws(ModelError) -> TensorData {
                guard let yValues = S.unwrap(y.data) else {
                    throw context.failure("X and Y types differ: \(x.elementType) and \(y.elementType)")
                }
                guard case .bool(let mask) = condition.data else {
                    throw context.failure("condition must be bool, got \(condition.elementType)")
                }
                let count = elementCount(shape)
                if mask.count == count && xValues.count == count && yValues.count == count {
                    return S.wrap(makeArray(count: count) { (out: UnsafeMutablePointer<S.Scalar>) in
                        for index in 0..<count { (out + index).initialize(to: mask[index] ? xValues[index] : yValues[index]) }
                    })
                }
                let offsets = Broadcast.offsets(of: [condition.shape, x.shape, y.shape], in: shape)
                return S.wrap(makeArray(count: count) { (out: UnsafeMutablePointer<S.Scalar>) in
                    for index in 0..<count {
                        (out + index).initialize(to: mask[offsets[0][index]] ? xValues[offsets[1][index]] : yValues[offsets[2][index]])
                    }
                })
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let condition = try tensorInput(inputs, 0, context)
            let x = try tensorInput(inputs, 1, context)
            let y = try tensorInput(inputs, 2, context)
            guard let shape = Broadcast.shape(of: [condition.shape, x.shape, y.shape]) else {
                throw context.failure("shapes \(describe(condition.shape)), \(describe(x.shape)) and \(describe(y.shape)) cannot be broadcast")
            }
            let data = try visitStorage(x.data, Selector(condition: condition, x: x, y: y, shape: shape, context: context))
            return [.tensor(Tensor(shape: shape, data: data))]
        }
    }

    /// Registers Where (9; 16 types).
    static func registerWhereKernel(into registry: inout KernelRegistry) {
        registry.register("Where", versions: 9...21) { node throws(ModelError) in WhereKernel(context: NodeContext(node)) }
    }
}
