import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  classifyAddress,
  isAddressAllowed,
  validateCidrs,
} from '../../src/media/url-policy.js';

const strict = { allowPrivateNetworks: false, allowedCidrs: [] };
const open = { allowPrivateNetworks: true, allowedCidrs: [] };

describe('isAddressAllowed', () => {
  it('allows public unicast addresses', () => {
    for (const address of ['8.8.8.8', '93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e']) {
      assert.equal(isAddressAllowed(address, strict), true, address);
    }
  });

  it('refuses internal and special addresses by default', () => {
    const refused = {
      '0.0.0.0': 'unspecified',
      '0.1.2.3': 'unspecified',
      '127.0.0.1': 'loopback',
      '127.255.255.254': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '172.31.255.255': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'linkLocal',
      '100.64.0.1': 'carrierGradeNat',
      '224.0.0.1': 'multicast',
      '255.255.255.255': 'broadcast',
      '240.0.0.1': 'reserved',
      '192.0.2.1': 'reserved',
      '198.18.0.1': 'reserved',
      '::': 'unspecified',
      '::1': 'loopback',
      'fe80::1': 'linkLocal',
      'fe80::1%eth0': 'linkLocal',
      'fc00::1': 'uniqueLocal',
      'fd12:3456::1': 'uniqueLocal',
      'ff02::1': 'multicast',
      '2001:db8::1': 'reserved',
      '2002:7f00:1::1': '6to4',
      '2002:0a00:1::1': '6to4',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2': 'teredo',
      '::7f00:1': 'reserved', // IPv4-compatible, deprecated
      '::127.0.0.1': 'reserved', // the same, written dotted; must not be mistaken for ::ffff:127.0.0.1
      '4000::1': 'reserved', // outside 2000::/3
      '64:ff9b::7f00:1': 'loopback', // NAT64 of 127.0.0.1
      '64:ff9b::a00:1': 'private', // NAT64 of 10.0.0.1
    };
    for (const [address, range] of Object.entries(refused)) {
      assert.equal(isAddressAllowed(address, strict), false, address);
      assert.equal(classifyAddress(address), range, address);
    }
  });

  it('judges IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    for (const address of ['::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:127.0.0.1]', '::ffff:10.0.0.1', '::ffff:169.254.169.254']) {
      assert.equal(isAddressAllowed(address, strict), false, address);
    }
    assert.equal(isAddressAllowed('::ffff:8.8.8.8', strict), true);
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
  });

  it('allows public hosts behind NAT64', () => {
    assert.equal(isAddressAllowed('64:ff9b::808:808', strict), true);
  });

  it('refuses anything that is not a canonical IP address', () => {
    for (const text of ['', 'localhost', 'example.com', '0177.0.0.1', '2130706433', '0x7f000001', '1.2.3', '::ffff:1.2.3', '1.2.3.4/32']) {
      assert.equal(isAddressAllowed(text, open), false, text);
    }
  });

  it('opens private ranges with allowPrivateNetworks, but never unspecified, multicast, broadcast or link-local', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '192.168.0.10', '100.64.1.1', '::1', 'fd00::1', '::ffff:127.0.0.1']) {
      assert.equal(isAddressAllowed(address, open), true, address);
    }
    for (const address of ['0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255', '169.254.169.254', 'fe80::1']) {
      assert.equal(isAddressAllowed(address, open), false, address);
    }
  });

  it('opens exactly the listed CIDRs', () => {
    const policy = { allowPrivateNetworks: false, allowedCidrs: ['127.0.0.2/32', '10.20.0.0/16', 'fd00:1::/32', '169.254.169.254'] };
    assert.equal(isAddressAllowed('127.0.0.2', policy), true);
    assert.equal(isAddressAllowed('::ffff:127.0.0.2', policy), true);
    assert.equal(isAddressAllowed('127.0.0.1', policy), false);
    assert.equal(isAddressAllowed('127.0.0.3', policy), false);
    assert.equal(isAddressAllowed('10.20.255.1', policy), true);
    assert.equal(isAddressAllowed('10.21.0.1', policy), false);
    assert.equal(isAddressAllowed('fd00:1:2::3', policy), true);
    assert.equal(isAddressAllowed('fd00:2::3', policy), false);
    assert.equal(isAddressAllowed('169.254.169.254', policy), true);
    assert.equal(isAddressAllowed('8.8.8.8', policy), true);
  });

  it('accepts a CIDR written in IPv4-mapped form', () => {
    const policy = { allowPrivateNetworks: false, allowedCidrs: ['::ffff:10.0.0.0/104'] };
    assert.equal(isAddressAllowed('10.1.2.3', policy), true);
    assert.equal(isAddressAllowed('11.1.2.3', policy), true); // public anyway
    assert.equal(isAddressAllowed('192.168.0.1', policy), false);
  });

  it('does not let a CIDR open unspecified or multicast addresses', () => {
    const policy = { allowPrivateNetworks: false, allowedCidrs: ['0.0.0.0/0', '::/0'] };
    assert.equal(isAddressAllowed('10.0.0.1', policy), true);
    assert.equal(isAddressAllowed('0.0.0.0', policy), false);
    assert.equal(isAddressAllowed('224.0.0.1', policy), false);
    assert.equal(isAddressAllowed('::', policy), false);
  });

  it('ignores malformed CIDR entries', () => {
    const policy = { allowPrivateNetworks: false, allowedCidrs: ['garbage', '10.0.0.0/99', ''] };
    assert.equal(isAddressAllowed('10.0.0.1', policy), false);
  });
});

describe('isAddressAllowed property tests', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join('.'));

  it('agrees with ipaddr.js range() on every IPv4 address, mapped or not', () => {
    fc.assert(
      fc.property(ipv4, (address) => {
        const expected = ipaddr.IPv4.parse(address).range() === 'unicast';
        assert.equal(isAddressAllowed(address, strict), expected);
        assert.equal(isAddressAllowed(`::ffff:${address}`, strict), expected);
      }),
      { numRuns: 5_000 },
    );
  });

  it('with allowPrivateNetworks refuses only the never-allowed ranges and link-local', () => {
    const closed = new Set(['unspecified', 'multicast', 'broadcast', 'linkLocal']);
    fc.assert(
      fc.property(ipv4, (address) => {
        assert.equal(isAddressAllowed(address, open), !closed.has(ipaddr.IPv4.parse(address).range()));
      }),
      { numRuns: 2_000 },
    );
  });

  it('allows every address inside a listed private CIDR', () => {
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), (a, b) => {
        assert.equal(isAddressAllowed(`192.168.${a}.${b}`, { allowPrivateNetworks: false, allowedCidrs: ['192.168.0.0/16'] }), true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('validateCidrs', () => {
  it('accepts ranges and single addresses, and names a malformed entry', () => {
    validateCidrs(['10.0.0.0/8', 'fd00::/8', '127.0.0.2']);
    assert.throws(() => validateCidrs(['10.0.0.0/8', 'not-a-cidr']), /not-a-cidr/);
  });
});
