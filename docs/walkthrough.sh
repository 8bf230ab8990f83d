#!/usr/bin/env bash
# README's curl walkthrough ("Using the API"), as a script that runs as written against
# the demo (make demo): every token and id it needs is read from the answers.
#
#   ADMIN_PASSWORD=<the password make demo printed> docs/walkthrough.sh
#
# API (default http://127.0.0.1:8000/api) names another server. Needs curl 7.76 or
# later (--fail-with-body) and python3 (to read JSON, so that jq is not needed).
# Any HTTP error stops it with a non-zero exit and the error's body; it deletes what it
# created, so it runs again. `make e2e` runs it against `make demo` on PostgreSQL
# (e2e/run_walkthrough.sh); tests/core/test_walkthrough.py checks that README.md shows
# it as it is below.
set -euo pipefail

# --- README.md shows everything below, verbatim ---
API=${API:-http://127.0.0.1:8000/api}
ADMIN_PASSWORD=${ADMIN_PASSWORD:?the demo admin password that make demo printed}
JSON='Content-Type: application/json'
# A request: prints the answer; an HTTP error stops the walkthrough, showing its body.
call() { curl -sS --fail-with-body "$@" && echo; }
# One key of the JSON object given: a token or an id to use in the next requests.
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[2])[sys.argv[1]])' "$@"; }

# Register, then log in: an access token and a refresh token.
ADA=$(call -X POST "$API/auth/register/" -H "$JSON" \
     -d '{"username": "ada", "email": "ada@example.com", "password": "Analytical-Engine-1843"}')
echo "$ADA"  # {"id": 2, "username": "ada", "email": "ada@example.com"}
TOKENS=$(call -X POST "$API/auth/login/" -H "$JSON" \
     -d '{"username": "ada", "password": "Analytical-Engine-1843"}')
echo "$TOKENS"  # {"access": "eyJ...", "refresh": "eyJ..."}
ACCESS=$(field access "$TOKENS"); REFRESH=$(field refresh "$TOKENS")

# Who am I; change my e-mail address (which takes my current password too).
call "$API/auth/me/" -H "Authorization: Bearer $ACCESS"
call -X PATCH "$API/auth/me/" -H "Authorization: Bearer $ACCESS" -H "$JSON" \
     -d '{"email": "ada@lovelace.example", "current_password": "Analytical-Engine-1843"}'

# Refresh: a new pair; the refresh token just used is blacklisted (reusing it is a 401).
TOKENS=$(call -X POST "$API/auth/refresh/" -H "$JSON" -d "{\"refresh\": \"$REFRESH\"}")
ACCESS=$(field access "$TOKENS"); REFRESH=$(field refresh "$TOKENS")

# Log out: that refresh token is blacklisted.
call -X POST "$API/auth/logout/" -H "Authorization: Bearer $ACCESS" \
     -H "$JSON" -d "{\"refresh\": \"$REFRESH\"}"

# Products, public: a category (id or slug, including its sub-categories),
# a price range, keywords, only what is in stock, cheapest first, 10 a page.
call "$API/products/?category=electronics&min_price=50&max_price=500&search=wireless&in_stock=true&ordering=price&page_size=10"
# {"count": 1, "next": null, "previous": null, "results": [{"id": ..., "name": "Wireless Ergonomic Mouse", "price": "59.90", ...}]}
call "$API/products/?ordering=-created_at&page=2"
call "$API/categories/"

# As the demo admin: create a category, then a product in it.
LOGIN=$(call -X POST "$API/auth/login/" -H "$JSON" \
     -d "{\"username\": \"admin\", \"password\": \"$ADMIN_PASSWORD\"}")
ADMIN=$(field access "$LOGIN")
TEA=$(call -X POST "$API/categories/" -H "Authorization: Bearer $ADMIN" \
     -H "$JSON" -d '{"name": "Tea", "parent": null, "description": "Leaves and pots."}')
echo "$TEA"  # {"id": 12, "name": "Tea", "slug": "tea", ...}
TEA_ID=$(field id "$TEA")
SENCHA=$(call -X POST "$API/products/" -H "Authorization: Bearer $ADMIN" -H "$JSON" \
     -d "{\"name\": \"Sencha 100 g\", \"category\": $TEA_ID, \"price\": \"8.50\", \"stock\": 40, \"description\": \"Japanese green tea.\"}")
echo "$SENCHA"  # {"id": 32, "name": "Sencha 100 g", "category": {"id": 12, ...}, "price": "8.50", ...}
SENCHA_ID=$(field id "$SENCHA"); ADA_ID=$(field id "$ADA")

# Tidy up (the walkthrough can run again): the product, the category, then ada (admins only).
call -X DELETE "$API/products/$SENCHA_ID/" -H "Authorization: Bearer $ADMIN"
call -X DELETE "$API/categories/$TEA_ID/" -H "Authorization: Bearer $ADMIN"
call -X DELETE "$API/users/$ADA_ID/" -H "Authorization: Bearer $ADMIN"
