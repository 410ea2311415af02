"""The whole chain on one machine: mock EZITXT, the connector and mock Okta as real servers on
loopback, wired as an Okta admin and an EZITXT admin would wire them (``ezitxt-okta stack``)."""
