//go:build race

package changepoint

// raceEnabled is true when the race detector slows every loop down
// several-fold; the simulation then runs fewer trials.
const raceEnabled = true
