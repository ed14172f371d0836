ZCP.runAndExit()
