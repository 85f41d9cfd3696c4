extension DefaultKernels {
    /// ArgMax / ArgMin along `axis` (default 0) with int64 output. Ties pick the first index,
    /// or the last with `select_last_index`=1 (opset 12+). `keepdims` (default 1) keeps the axis as 1.
    struct ArgExtremumKernel: Kernel {
        let context: NodeContext
        let findMaximum: Bool
        let axis: Int
        let keepDims: Bool
        let selectLastIndex: Bool

        init(_ node: NodeInfo, maximum: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            findMaximum = maximum
            axis = try attributes.int("axis", default: 0)
            keepDims = try attributes.flag("keepdims", default: true)
            selectLastIndex = try attributes.flag("select_last_index", default: false)
        }

        struct Finder: NumericVisitor {
            typealias Output = [Int64]
            let layout: AxisLayout
            let findMaximum: Bool
            let selectLastIndex: Bool

            func visit<N: NumericType>(_ type: N.Type, _ values: [N.Scalar]) throws(ModelError) -> [Int64] {
                switch (findMaximum, selectLastIndex) {
                case (true, false): return find(values) { $0 > $1 }
                case (true, true): return find(values) { $0 >= $1 }
                case (false, false): return find(values) { $0 < $1 }
                case (false, true): return find(values) { $0 <= $1 }
                }
            }

            /// For each `[outer, ·, inner]` column, the index whose value `replaces` every earlier best.
            @inline(__always)
            func find<T>(_ values: [T], _ replaces: (T, T) -> Bool) -> [Int64] {
                let outer = layout.outer, length = layout.axis, inner = layout.inner
                return values.withUnsafeBufferPointer { source in
                    makeArray(count: outer * inner) { (out: UnsafeMutablePointer<Int64>) in
                        let input = address(source)
                        for row in 0..<outer {
                            for column in 0..<inner {
                                let start = input + row * length * inner + column
                                var best = start[0]
                                var bestIndex = 0
                                for step in 1..<max(length, 1) where replaces(start[step * inner], best) {
                                    best = start[step * inner]
                                    bestIndex = step
                                }
                                (out + row * inner + column).initialize(to: Int64(bestIndex))
                            }
                        }
                    }
                }
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let resolved = try normalizedAxis(axis, rank: data.rank, context.failure)
            guard data.shape[resolved] > 0 else { throw context.failure("cannot take the extremum of an empty axis") }
            let layout = AxisLayout(shape: data.shape, axis: resolved)
            let indices = try visitNumeric(data.data, Finder(layout: layout, findMaximum: findMaximum, selectLastIndex: selectLastIndex),
                                           unsupported: context.failure("unsupported element type \(data.elementType)"))
            var shape = data.shape
            if keepDims { shape[resolved] = 1 } else { shape.remove(at: resolved) }
            return [.tensor(Tensor(shape: shape, int64: indices))]
        }
    }

    /// Registers ArgMax and ArgMin.
    static func registerArgExtremumKernels(into registry: inout KernelRegistry) {
        for (op, maximum) in [("ArgMax", true), ("ArgMin", false)] {
            // 1-10: non-negative axis; 11: negative axis; 12+: select_last_index.
            registry.register(op, versions: 1...11) { node throws(ModelError) in try ArgExtremumKernel(node, maximum: maximum) }
            registry.register(op, versions: 12...21) { node throws(ModelError) in try ArgExtremumKernel(node, maximum: maximum) }
        }
    }
}
