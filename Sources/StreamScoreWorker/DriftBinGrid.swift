/// A lookup table that bins a value in a few instructions: the range between the first and the
/// last edge is cut into equal cells, and each cell that no edge comes near holds its bin. A
/// value in such a cell gets that bin; a value in a cell with an edge (a few in 256) is binned
/// by comparing it with the edges, so the result is always ``DriftMonitor/bin(_:edges:)``'s.
struct DriftBinGrid: Sendable {
    private let low: Float
    private let high: Float
    private let cellsPerUnit: Float
    /// The bin of each cell, or -1 when an edge lies in or near the cell.
    private let cells: [Int8]
    private let edges: [Float]

    static let cellCount = 256

    /// `nil` when the edges cannot make a grid (fewer than two, not increasing, unbounded, or
    /// more bins than an `Int8` holds).
    init?(edges: [Float]) {
        guard edges.count >= 2, edges.count <= 120, let first = edges.first, let last = edges.last,
              first.isFinite, last.isFinite, first < last, zip(edges, edges.dropFirst()).allSatisfy({ $0 <= $1 })
        else { return nil }
        low = first
        high = last
        let n = Self.cellCount
        cellsPerUnit = Float(n) / (last - first)
        guard cellsPerUnit.isFinite, cellsPerUnit > 0 else { return nil }
        self.edges = edges
        // A cell is pure when no edge lies within a tenth of a cell of it: far more than the
        // rounding of the cell computation, so a value whose computed cell is pure lies where
        // every value has the same bin.
        let width = (Double(last) - Double(first)) / Double(n)
        cells = (0..<n).map { c in
            let from = Double(first) + Double(c) * width, to = from + width
            let margin = width / 10
            if edges.contains(where: { Double($0) >= from - margin && Double($0) <= to + margin }) { return -1 }
            return Int8(DriftMonitor.bin(Float((from + to) / 2), edges: edges))
        }
    }

    /// The bin of `x` (not NaN).
    @inline(__always)
    func bin(_ x: Float) -> Int {
        if x < low { return 0 }
        if x >= high { return edges.count - 2 }
        let cell = min(Int((x - low) * cellsPerUnit), Self.cellCount - 1)
        let b = cells.withUnsafeBufferPointer { $0[cell] }
        return b >= 0 ? Int(b) : edges.withUnsafeBufferPointer { DriftMonitor.bin(x, edges: $0) }
    }
}
