package dev.loopkit.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** An application with nothing of its own: every Loop part comes from the starter's auto-configuration. */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApplication {}
