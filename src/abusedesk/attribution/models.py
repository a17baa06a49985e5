"""Who our customers are, which properties (domains, hostnames, IP ranges) they have, and which services
we provide for each property — the data that answers "is this ours, and do we host it?"."""

from __future__ import annotations

import uuid

from django.db import models


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=200, unique=True, help_text="The provider's own customer id.")
    name = models.CharField(max_length=300)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    # Protected customers (e.g. human-rights organisations) need a senior analyst's approval.
    protected = models.BooleanField(default=False)
    webhook_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PropertyKind(models.TextChoices):
    DOMAIN = "domain", "Domain (and its subdomains)"
    HOSTNAME = "hostname", "Exact hostname"
    IP_RANGE = "ip_range", "IP range (CIDR)"


class Property(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="properties")
    kind = models.CharField(max_length=10, choices=PropertyKind.choices)
    # Domains and hostnames as lower-case A-labels (punycode); IP ranges as normalised CIDR.
    value = models.CharField(max_length=300)
    # For IP ranges: integer bounds for fast containment lookups (IPv6 fits in 39 decimal digits).
    ip_version = models.PositiveSmallIntegerField(null=True, blank=True)
    ip_start = models.DecimalField(max_digits=39, decimal_places=0, null=True, blank=True)
    ip_end = models.DecimalField(max_digits=39, decimal_places=0, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "properties"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="property_unique_value")]
        indexes = [models.Index(fields=["ip_version", "ip_start", "ip_end"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ServiceKind(models.TextChoices):
    PROXY = "proxy", "Proxy / CDN / DDoS protection"
    HOSTING = "hosting", "Hosting"
    DNS = "dns", "DNS"
    REGISTRAR = "registrar", "Registrar"
    EMAIL = "email", "Email"


# Services under which the content itself lives on our machines.
HOSTING_KINDS = frozenset({ServiceKind.HOSTING})


class Service(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(max_length=10, choices=ServiceKind.choices)
    hosts_content = models.BooleanField(help_text="Whether the content itself is stored on our machines.")
    # For proxies: the configured origin, i.e. who really hosts the content.
    origin_ip = models.GenericIPAddressField(null=True, blank=True)
    origin_provider = models.CharField(max_length=300, blank=True)
    origin_abuse_email = models.EmailField(blank=True)
    # The origin host's abuse webhook (HMAC-signed JSON forwards); checked against the fetch policy when
    # saved and again when each forward is sent.
    origin_webhook_url = models.URLField(blank=True, max_length=500)
    active = models.BooleanField(default=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["property", "kind"], name="service_unique_kind")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.property}"
