extension DefaultKernels {
    /// An element operation of two operands, applied by `Broadcast.apply`.
    protocol BinaryOperation {
        associatedtype Lhs
        associatedtype Rhs
        associatedtype Output
        func callAsFunction(_ a: Lhs, _ b: Rhs) -> Output
    }

    /// Numpy-style multidirectional broadcasting, shared by every elementwise kernel.
    enum Broadcast {
        /// The broadcast shape of `a` and `b`, or nil when a pair of aligned dimensions
        /// differ and neither is 1.
        static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
            if a == b { return a }
            let rank = max(a.count, b.count)
            var result = [Int](repeating: 1, count: rank)
            for index in 0..<rank {
                let da = index < rank - a.count ? 1 : a[index - (rank - a.count)]
                let db = index < rank - b.count ? 1 : b[index - (rank - b.count)]
                if da == db || db == 1 {
                    result[index] = da
                } else if da == 1 {
                    result[index] = db
                } else {
                    return nil
                }
            }
            return result
        }

        /// The broadcast shape of all `shapes`, or nil when incompatible.
        static func shape(of shapes: [[Int]]) -> [Int]? {
            guard var result = shapes.first else { return [] }
            for next in shapes.dropFirst() {
                guard let merged = shape(result, next) else { return nil }
                result = merged
            }
            return result
        }

        /// Element strides of an operand of `shape` read as `outputShape`: 0 on broadcast dimensions.
        static func strides(of shape: [Int], in outputShape: [Int]) -> [Int] {
            let offset = outputShape.count - shape.count
            var strides = [Int](repeating: 0, count: outputShape.count)
            var running = 1
            for index in stride(from: shape.count - 1, through: 0, by: -1) {
                strides[index + offset] = shape[index] == 1 ? 0 : running
                running *= shape[index]
            }
            return strides
        }

        /// Whether `shape`, without leading 1s, equals the trailing dimensions of `outputShape`:
        /// the operand then repeats with a period of its element count.
        static func isTrailingBlock(_ shape: [Int], of outputShape: [Int]) -> Bool {
            let trimmed = shape.drop { $0 == 1 }
            guard trimmed.count <= outputShape.count else { return false }
            return trimmed.elementsEqual(outputShape.suffix(trimmed.count))
        }

        /// Merges adjacent dimensions that every operand walks contiguously (or not at all),
        /// so the general loop runs over as few, as long, dimensions as possible.
        static func coalesce(_ shape: [Int], _ operandStrides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
            var dims: [Int] = []
            var strides: [[Int]] = operandStrides.map { _ in [] }
            for index in 0..<shape.count where shape[index] != 1 {
                if let last = dims.last,
                   operandStrides.indices.allSatisfy({ strides[$0].last! == operandStrides[$0][index] * shape[index] }) {
                    dims[dims.count - 1] = last * shape[index]
                    for operand in operandStrides.indices {
                        strides[operand][strides[operand].count - 1] = operandStrides[operand][index]
                    }
                } else {
                    dims.append(shape[index])
                    for operand in operandStrides.indices { strides[operand].append(operandStrides[operand][index]) }
                }
            }
            if dims.isEmpty {
                return ([1], operandStrides.map { _ in [0] })
            }
            return (dims, strides)
        }

        /// Applies `operation` to every pair of broadcast elements of `a` and `b`, producing
        /// an array laid out as `outputShape` (which must be the broadcast shape).
        /// Fast paths: same shape, a scalar operand, and an operand repeating along the trailing
        /// dimensions (such as `[C]` against `[N, C]`).
        @inline(__always)
        static func apply<Op: BinaryOperation>(_ operation: Op,
                                               _ a: [Op.Lhs], _ aShape: [Int],
                                               _ b: [Op.Rhs], _ bShape: [Int],
                                               outputShape: [Int]) -> [Op.Output] {
            let count = elementCount(outputShape)
            return a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    makeArray(count: count) { (out: UnsafeMutablePointer<Op.Output>) in
                        let ap = pa.baseAddress!, bp = pb.baseAddress!
                        if pa.count == count && pb.count == count {
                            for index in 0..<count { (out + index).initialize(to: operation(ap[index], bp[index])) }
                        } else if pb.count == 1 {
                            let scalar = bp[0]
                            for index in 0..<count { (out + index).initialize(to: operation(ap[index], scalar)) }
                        } else if pa.count == 1 {
                            let scalar = ap[0]
                            for index in 0..<count { (out + index).initialize(to: operation(scalar, bp[index])) }
                        } else if pa.count == count && isTrailingBlock(bShape, of: outputShape) {
                            let period = pb.count
                            var base = 0
                            while base < count {
                                let row = ap + base, target = out + base
                                for index in 0..<period { (target + index).initialize(to: operation(row[index], bp[index])) }
                                base += period
                            }
                        } else if pb.count == count && isTrailingBlock(aShape, of: outputShape) {
                            let period = pa.count
                            var base = 0
                            while base < count {
                                let row = bp + base, target = out + base
                                for index in 0..<period { (target + index).initialize(to: operation(ap[index], row[index])) }
                                base += period
                            }
                        } else {
                            general(operation, ap, aShape, bp, bShape, outputShape, out)
                        }
                    }
                }
            }
        }

        /// The general broadcast loop: an odometer over the outer dimensions and a tight inner
        /// loop over the last coalesced dimension, specialised on whether each operand moves.
        @inline(__always)
        static func general<Op: BinaryOperation>(_ operation: Op,
                                                 _ ap: UnsafePointer<Op.Lhs>, _ aShape: [Int],
                                                 _ bp: UnsafePointer<Op.Rhs>, _ bShape: [Int],
                                                 _ outputShape: [Int], _ out: UnsafeMutablePointer<Op.Output>) {
            let (dims, strides) = coalesce(outputShape, [strides(of: aShape, in: outputShape),
                                                         strides(of: bShape, in: outputShape)])
            let rank = dims.count
            let inner = dims[rank - 1]
            let aInner = strides[0][rank - 1], bInner = strides[1][rank - 1]
            let total = elementCount(dims)
            var counter = [Int](repeating: 0, count: rank)
            var aOffset = 0, bOffset = 0, outOffset = 0
            while outOffset < total {
                let ar = ap + aOffset, br = bp + bOffset, target = out + outOffset
                switch (aInner != 0, bInner != 0) {
                case (true, true):
                    for index in 0..<inner { (target + index).initialize(to: operation(ar[index], br[index])) }
                case (true, false):
                    let scalar = br[0]
                    for index in 0..<inner { (target + index).initialize(to: operation(ar[index], scalar)) }
                case (false, true):
                    let scalar = ar[0]
                    for index in 0..<inner { (target + index).initialize(to: operation(scalar, br[index])) }
                case (false, false):
                    let value = operation(ar[0], br[0])
                    for index in 0..<inner { (target + index).initialize(to: value) }
                }
                outOffset += inner
                // Advance the odometer over the outer dimensions.
                var dim = rank - 2
                while dim >= 0 {
                    counter[dim] += 1
                    aOffset += strides[0][dim]
                    bOffset += strides[1][dim]
                    if counter[dim] < dims[dim] { break }
                    aOffset -= strides[0][dim] * dims[dim]
                    bOffset -= strides[1][dim] * dims[dim]
                    counter[dim] = 0
                    dim -= 1
                }
            }
        }

        /// Element offsets into each operand for every output element, in output order.
        /// Used by the less performance-critical multi-operand kernels (Where, Expand).
        static func offsets(of operandShapes: [[Int]], in outputShape: [Int]) -> [[Int]] {
            let count = elementCount(outputShape)
            let operandStrides = operandShapes.map { strides(of: $0, in: outputShape) }
            var result = operandShapes.map { _ in [Int](repeating: 0, count: count) }
            guard count > 0 else { return result }
            let rank = outputShape.count
            var counter = [Int](repeating: 0, count: rank)
            var current = [Int](repeating: 0, count: operandShapes.count)
            for position in 0..<count {
                for operand in current.indices { result[operand][position] = current[operand] }
                var dim = rank - 1
                while dim >= 0 {
                    counter[dim] += 1
                    for operand in current.indices { current[operand] += operandStrides[operand][dim] }
                    if counter[dim] < outputShape[dim] { break }
                    for operand in current.indices { current[operand] -= operandStrides[operand][dim] * outputShape[dim] }
                    counter[dim] = 0
                    dim -= 1
                }
            }
            return result
        }
    }
}
