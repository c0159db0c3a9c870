//go:build !race

package castbench

const raceEnabled = false
