"""Configuration from the environment (ERP_DATABASE_URL, ERP_SECRET_KEY) and the instance folder."""
from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path


def _site_root() -> Path:
    """The folder with templates/, static/, translations/ and migrations/: the checkout (erp/'s parent), or
    erp_site/ beside erp/ in an installed wheel (pyproject.toml puts them there)."""
    checkout = Path(__file__).resolve().parents[2]
    installed = checkout / "erp_site"
    return installed if not (checkout / "templates").is_dir() and installed.is_dir() else checkout


REPO_ROOT = _site_root()
# The database and the secret key: ERP_INSTANCE_DIR, else the checkout's instance/, else (an installed wheel,
# whose site-packages must stay read-only) instance/ in the working directory.
INSTANCE_DIR = Path(os.environ.get("ERP_INSTANCE_DIR") or (
    Path.cwd() / "instance" if REPO_ROOT.name == "erp_site" else REPO_ROOT / "instance"))
SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"
CHAIN_KEY_FILE = INSTANCE_DIR / "chain_key"
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key"


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'erp.sqlite3'}"


def read_secret_key(path: Path = SECRET_KEY_FILE) -> str:
    """ERP_SECRET_KEY; else the key `make run` keeps in the instance folder; else the development key."""
    if key := os.environ.get("ERP_SECRET_KEY"):
        return key
    try:
        return path.read_text(encoding="ascii").strip() or DEVELOPMENT_SECRET_KEY
    except FileNotFoundError:
        return DEVELOPMENT_SECRET_KEY


def read_chain_key(path: Path = CHAIN_KEY_FILE) -> str | None:
    """ERP_CHAIN_KEY; else the chain key file in the instance folder; else None (``erp.core.chain`` makes one)."""
    if key := os.environ.get("ERP_CHAIN_KEY"):
        return key
    try:
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def create_secret_key_file(path: Path = SECRET_KEY_FILE) -> bool:
    """Write a random key to ``path`` (readable by its owner only) unless it exists; True when written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return True


class Config:
    SECRET_KEY = read_secret_key()
    # the key of the hash chains and the file of their anchors: both outside the database (erp.core.chain)
    CHAIN_KEY = read_chain_key()
    CHECKPOINT_FILE = os.environ.get("ERP_CHECKPOINT_FILE") or str(INSTANCE_DIR / "checkpoints.jsonl")
    SQLALCHEMY_DATABASE_URI = os.environ.get("ERP_DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    # Secure always when set; otherwise Secure whenever the request came over HTTPS (erp.core.web)
    SESSION_COOKIE_SECURE = os.environ.get("ERP_SECURE_COOKIES", "").lower() in ("1", "true", "yes")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host to trust (0: none, served directly)
    PROXY_HOPS = int(os.environ.get("ERP_PROXY_HOPS") or 0)
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    # Modules to load; the registry adds their dependencies and orders them.
    ERP_MODULES = ("core", "ledger", "costing", "procurement", "payroll", "budget", "demo")
    API_TOKEN_TTL = timedelta(hours=12)
    LOGIN_MAX_FAILURES = 5  # per account
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20  # per source address, within LOGIN_LOCK_DURATION
    LOGIN_LOCK_DURATION = timedelta(minutes=15)
    WTF_CSRF_TIME_LIMIT = None
    PASSWORD_HASH_METHOD = "scrypt"
    # Background jobs (erp.core.jobs): RQ on Redis when ERP_REDIS_URL is set, else an in-process worker thread;
    # ERP_JOBS_BACKEND=rq|thread|eager chooses explicitly.
    REDIS_URL = os.environ.get("ERP_REDIS_URL") or None
    JOBS_BACKEND = os.environ.get("ERP_JOBS_BACKEND") or None
    JOBS_QUEUE = os.environ.get("ERP_JOBS_QUEUE") or "erp"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    CHAIN_KEY = "test-chain-key"
    # anchors of the tests' databases never go to the checkout's instance/ (tests/conftest.py empties it)
    CHECKPOINT_FILE = os.path.join(tempfile.gettempdir(), f"erp-test-checkpoints-{os.getpid()}.jsonl")
    SQLALCHEMY_DATABASE_URI = os.environ.get("ERP_TEST_DATABASE_URL") or "sqlite://"
    # Fast hashing keeps the tests quick; production keeps scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # jobs run right after the submitting commit, on the test's connection (the job tests choose rq/thread)
    JOBS_BACKEND = "eager"
