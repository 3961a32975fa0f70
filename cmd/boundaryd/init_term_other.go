//go:build !linux

package main

import "errors"

// isTerminal is false off Linux: passwords are then read like any line
// (boundaryd's service runs on Linux; init elsewhere is for trying it).
func isTerminal(int) bool { return false }

func echoOff(int) (func(), error) { return nil, errors.New("no terminal control on this system") }
