extension DefaultKernels {
    /// TopK: the `k` largest (or, with `largest`=0, smallest) elements along `axis` (default -1)
    /// and their int64 indices. `k` is an attribute in opset 1 and a 1-element input from 10;
    /// `largest` and `sorted` arrive in 11. Equal values keep the lower index first, as in
    /// onnxruntime. Results are always sorted (the order for `sorted`=0 is unspecified).
    struct TopKKernel: Kernel {
        let context: NodeContext
        let axis: Int
        let kAttribute: Int?
        let largest: Bool

        init(_ node: NodeInfo, kFromInput: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            axis = try attributes.int("axis", default: -1)
            if kFromInput {
                kAttribute = nil
            } else {
                guard let k = try attributes.optionalInt("k") else { throw context.invalid("missing attribute 'k'") }
                kAttribute = k
            }
            largest = try attributes.flag("largest", default: true)
        }

        struct Selector: NumericVisitor {
            typealias Output = (TensorData, [Int64])
            let layout: AxisLayout
            let k: Int
            let largest: Bool

            func visit<N: NumericType>(_ type: N.Type, _ values: [N.Scalar]) throws(ModelError) -> (TensorData, [Int64]) {
                if largest {
                    return select(N.self, values) { $0 > $1 }
                }
                return select(N.self, values) { $0 < $1 }
            }

            /// `precedes(a, b)`: value `a` ranks strictly before value `b`.
            @inline(__always)
            func select<N: NumericType>(_ type: N.Type, _ values: [N.Scalar],
                                        _ precedes: (N.Scalar, N.Scalar) -> Bool) -> (TensorData, [Int64]) {
                typealias T = N.Scalar
                let outer = layout.outer, length = layout.axis, inner = layout.inner, k = k
                var chosen = [Int](repeating: 0, count: k)
                var all = [Int](repeating: 0, count: length)
                var indices = [Int64](repeating: 0, count: outer * k * inner)
                var selected: [T] = []
                selected.reserveCapacity(outer * k * inner)
                var selectedPositions = [Int](repeating: 0, count: outer * k * inner)
                values.withUnsafeBufferPointer { source in
                    let input = address(source)
                    for row in 0..<outer {
                        for column in 0..<inner {
                            let start = input + row * length * inner + column
                            @inline(__always) func value(_ index: Int) -> T { start[index * inner] }
                            if k <= 32 {
                                // Insertion into a sorted list of the best k seen so far. Later equal
                                // values never displace earlier ones, so ties keep the lower index.
                                var count = 0
                                for index in 0..<length {
                                    let candidate = value(index)
                                    if count == k && !precedes(candidate, value(chosen[k - 1])) { continue }
                                    var position = min(count, k - 1)
                                    while position > 0 && precedes(candidate, value(chosen[position - 1])) {
                                        chosen[position] = chosen[position - 1]
                                        position -= 1
                                    }
                                    chosen[position] = index
                                    if count < k { count += 1 }
                                }
                            } else {
                                for index in 0..<length { all[index] = index }
                                all.sort { a, b in
                                    let va = value(a), vb = value(b)
                                    return precedes(va, vb) || (!precedes(vb, va) && a < b)
                                }
                                for rank in 0..<k { chosen[rank] = all[rank] }
                            }
                            for rank in 0..<k {
                                let target = (row * k + rank) * inner + column
                                indices[target] = Int64(chosen[rank])
                                selectedPositions[target] = row * length * inner + column + chosen[rank] * inner
                            }
                        }
                    }
                    for position in selectedPositions { selected.append(input[position]) }
                }
                return (N.wrap(selected), indices)
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let k: Int
            if let kAttribute {
                k = kAttribute
            } else {
                let values = try integers(try tensorInput(inputs, 1, context), "k", context.failure)
                guard values.count == 1 else { throw context.failure("k must hold exactly one value") }
                k = values[0]
            }
            let resolved = try normalizedAxis(axis, rank: data.rank, context.failure)
            guard k >= 0, k <= data.shape[resolved] else {
                throw context.failure("k \(k) is out of range for an axis of size \(data.shape[resolved])")
            }
            var shape = data.shape
            shape[resolved] = k
            if k == 0 {
                let empty = try visitStorage(data.data, StridedCopier(base: 0, shape: shape, strides: shape.map { _ in 0 }))
                return [.tensor(Tensor(shape: shape, data: empty)), .tensor(Tensor(shape: shape, int64: []))]
            }
            let (values, indices) = try visitNumeric(data.data, Selector(layout: AxisLayout(shape: data.shape, axis: resolved), k: k, largest: largest),
                                                     unsupported: context.failure("unsupported element type \(data.elementType)"))
            return [.tensor(Tensor(shape: shape, data: values)), .tensor(Tensor(shape: shape, int64: indices))]
        }
    }

    /// Registers TopK (1-9: k attribute; 10: k input; 11+: largest and sorted).
    static func registerTopKKernel(into registry: inout KernelRegistry) {
        registry.register("TopK", versions: 1...9) { node throws(ModelError) in try TopKKernel(node, kFromInput: false) }
        registry.register("TopK", versions: 10...10) { node throws(ModelError) in try TopKKernel(node, kFromInput: true) }
        registry.register("TopK", versions: 11...21) { node throws(ModelError) in try TopKKernel(node, kFromInput: true) }
    }
}
