"""Production settings, security headers, brute-force protection and cache outages."""

import base64
import hashlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from articles.middleware import AdminContentSecurityPolicyMiddleware, client_ip

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-key-" + "x7Qp2Lm9Zr4Tn8Kw" * 3,
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.org",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    "NEWSROOM_TRUSTED_PROXY_COUNT": "1",
}


def manage(*args, env):
    # The browser tests allow async-unsafe database access in this process
    # only; a production process never has it (check --deploy flags it).
    inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_warnings_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env | {"DJANGO_SECRET_KEY": ""})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_turn_on_https_protections():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


@pytest.fixture
def published_article(make_article):
    return make_article(title="Council passes the budget", slug="council-budget")


def reader_urls(article):
    return [reverse("articles:front-page"), article.get_absolute_url()]


@pytest.mark.django_db
def test_reader_pages_send_a_strict_content_security_policy(client, published_article):
    for url in reader_urls(published_article):
        response = client.get(url)
        policy = response["Content-Security-Policy"]

        assert response.status_code == 200
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "object-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "base-uri 'self'" in policy


@pytest.mark.django_db
def test_reader_pages_have_no_inline_scripts_or_styles(client, published_article):
    for url in reader_urls(published_article):
        html = client.get(url).content.decode()

        assert "<script>" not in html
        assert " style=" not in html
        assert "<style" not in html


@pytest.mark.django_db
def test_reader_pages_send_the_security_headers(client, published_article):
    response = client.get(published_article.get_absolute_url())

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_admin_policy_is_looser_for_styles_only_and_scoped_to_the_admin(client):
    admin_policy = client.get(reverse("admin:login"))["Content-Security-Policy"]
    reader_policy = client.get(reverse("articles:front-page"))["Content-Security-Policy"]

    assert "style-src 'self' 'unsafe-inline'" in admin_policy
    assert "script-src 'self'" in admin_policy
    assert "'unsafe-inline'" not in admin_policy.split("script-src")[1].split(";")[0]
    assert "unsafe-inline" not in reader_policy


def test_admin_policy_allows_exactly_the_import_map_on_the_page():
    import_map = '{"imports": {"django-prose-editor/editor": "/static/django_prose_editor/editor.js"}}'
    html = f'<script type="importmap">{import_map}</script><script>alert(1)</script>'
    middleware = AdminContentSecurityPolicyMiddleware(lambda request: HttpResponse(html))

    response = middleware(RequestFactory().get("/admin/articles/article/add/"))

    expected = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    assert response._csp_replace["script-src"] == ["'self'", f"'sha256-{expected}'"]


@pytest.fixture
def editor(db, settings):
    # Each failed login runs the password hasher: keep the lockout tests fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return get_user_model().objects.create_user(
        "editor", password="correct horse battery staple", is_staff=True
    )


def fail_login(client, **extra):
    return client.post(reverse("admin:login"), {"username": "editor", "password": "wrong"}, **extra)


def test_fifth_failed_login_is_refused_with_429_and_other_clients_are_unaffected(client, editor):
    statuses = [fail_login(client, REMOTE_ADDR="198.51.100.7").status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    # Even the right password is refused from the locked-out address.
    locked = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert locked.status_code == 429
    assert fail_login(client, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_lockout_ends_after_the_cool_off(client, editor, settings):
    for _ in range(5):
        fail_login(client, REMOTE_ADDR="198.51.100.7")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.7",
    )

    assert response.status_code == 302


@override_settings(NEWSROOM_TRUSTED_PROXY_COUNT=1)
def test_clients_behind_the_proxy_are_told_apart(client, editor):
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(5):
        fail_login(client, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)

    assert fail_login(client, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy).status_code == 429
    assert fail_login(client, HTTP_X_FORWARDED_FOR="203.0.113.11", **proxy).status_code == 200
    # A client cannot escape by prepending a forged address: the proxy appends the real one.
    spoofed = fail_login(client, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.10", **proxy)
    assert spoofed.status_code == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.10", "127.0.0.1"),
        (1, "203.0.113.10", "203.0.113.10"),
        (1, "6.6.6.6, 203.0.113.10", "203.0.113.10"),
        (2, "203.0.113.10, 10.0.0.2", "203.0.113.10"),
        (2, "10.0.0.2", "127.0.0.1"),
        (1, "", "127.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


REDIS_DOWN = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Nothing listens on port 9: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}


@pytest.mark.django_db
def test_reader_pages_still_render_when_redis_is_down(client, published_article):
    with override_settings(CACHES=REDIS_DOWN):
        responses = [client.get(url) for url in reader_urls(published_article)]

    assert [response.status_code for response in responses] == [200, 200]
    assert "Council passes the budget" in responses[1].content.decode()


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_redirects_to_https_except_the_health_check(client):
    assert client.get("/healthz").status_code == 200
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (301, "https://testserver/")
    assert client.get("/", secure=True).status_code == 200


@pytest.mark.django_db
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_SSL_REDIRECT=True)
def test_behind_a_tls_proxy_forwarded_https_requests_are_served(client):
    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_PROTO="http").status_code == 301
