"""Admin tools for a real Okta org and EZITXT portal (and the local stack): ``doctor``,
``register`` and ``rotate``. Synchronous CLI tools, so plain ``requests``; nothing from
``mocks``."""
